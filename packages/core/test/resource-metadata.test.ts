import { describe, expect, it } from 'vitest'
import { createVerifier, type VerifierOptions } from '../src/index.js'

const ISS = 'https://issuer.example'
const make = (options: Partial<VerifierOptions>) =>
  createVerifier({
    issuer: ISS,
    audience: 'https://api.example',
    jwks: { keys: [] },
    ...options,
  })

describe('verifier.resourceMetadata (RFC 9728)', () => {
  it('is undefined, and challenges carry no resource_metadata, when not configured', async () => {
    const verifier = make({})
    expect(verifier.resourceMetadata).toBeUndefined()
    await expect(verifier.authenticate({ headers: {} })).rejects.toMatchObject({
      headers: { 'WWW-Authenticate': 'Bearer' },
    })
  })

  it('publishes the document at the well-known path and points 401 challenges at it', async () => {
    const verifier = make({
      resourceServer: 'https://photos.example.com',
      resourceMetadata: {
        resource: 'https://api.example',
        scopesSupported: ['photos.read', 'photos.write'],
      },
    })
    const url = 'https://api.example/.well-known/oauth-protected-resource'
    expect(verifier.resourceMetadata).toEqual({
      url,
      path: '/.well-known/oauth-protected-resource',
      document: {
        resource: 'https://api.example',
        authorization_servers: [ISS],
        scopes_supported: [
          'https://photos.example.com/photos.read',
          'https://photos.example.com/photos.write',
        ],
        bearer_methods_supported: ['header'],
      },
    })
    expect(verifier.challenge).toEqual({ realm: undefined, resourceMetadata: url })
    await expect(verifier.authenticate({ headers: {} })).rejects.toMatchObject({
      headers: { 'WWW-Authenticate': `Bearer resource_metadata="${url}"` },
    })
  })

  it('inserts the well-known segment before the resource path, and lists the enabled transports', () => {
    const verifier = make({
      transports: ['header', 'body'],
      resourceMetadata: {
        resource: 'https://api.example/v1/',
        authorizationServers: ['https://as.example'],
      },
    })
    expect(verifier.resourceMetadata).toMatchObject({
      url: 'https://api.example/.well-known/oauth-protected-resource/v1',
      path: '/.well-known/oauth-protected-resource/v1',
      document: {
        authorization_servers: ['https://as.example'],
        bearer_methods_supported: ['header', 'body'],
      },
    })
    expect(verifier.resourceMetadata?.document).not.toHaveProperty('scopes_supported')
  })

  it('uses an explicit public URL, and extra members never override the computed ones', () => {
    const verifier = make({
      resourceMetadata: {
        resource: 'https://api.example',
        url: 'https://public.example/meta/prm.json',
        extra: {
          resource_name: 'Photos',
          resource: 'https://evil.example',
          bearer_methods_supported: ['query'],
        },
      },
    })
    expect(verifier.resourceMetadata).toEqual({
      url: 'https://public.example/meta/prm.json',
      path: '/meta/prm.json',
      document: {
        resource_name: 'Photos',
        resource: 'https://api.example',
        authorization_servers: [ISS],
        bearer_methods_supported: ['header'],
      },
    })
  })
})
