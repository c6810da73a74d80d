import { describe, expect, it } from 'vitest'
import { challengeHeader, quote } from '../src/challenge.js'

describe('challengeHeader', () => {
  it('sends a bare Bearer challenge when there is nothing to say', () => {
    expect(challengeHeader({})).toBe('Bearer')
  })

  it('orders realm, error, description, scope and resource_metadata', () => {
    expect(
      challengeHeader({
        realm: 'photos',
        error: 'insufficient_scope',
        description: 'The access token lacks a required scope',
        scopes: ['a', 'b'],
        resourceMetadata: 'https://api.example/.well-known/oauth-protected-resource',
      }),
    ).toBe(
      'Bearer realm="photos", error="insufficient_scope", error_description="The access token lacks a required scope", scope="a b"',
    )
  })

  it('adds resource_metadata to 401 challenges only', () => {
    const resourceMetadata = 'https://api.example/.well-known/oauth-protected-resource'
    expect(challengeHeader({ resourceMetadata })).toBe(
      `Bearer resource_metadata="${resourceMetadata}"`,
    )
    expect(challengeHeader({ resourceMetadata, error: 'invalid_token', description: 'x' })).toBe(
      `Bearer error="invalid_token", error_description="x", resource_metadata="${resourceMetadata}"`,
    )
    expect(challengeHeader({ resourceMetadata, error: 'invalid_request', description: 'x' })).toBe(
      'Bearer error="invalid_request", error_description="x"',
    )
  })

  it('escapes quotes and backslashes and replaces control and non-ASCII characters', () => {
    expect(quote('a"b\\c\r\nd\u00e9')).toBe('"a\\"b\\\\c??d?"')
  })
})
