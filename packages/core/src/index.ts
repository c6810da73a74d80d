/**
 * `@scopeguard/core`: a framework-free OAuth 2.0 resource-server verifier for Amazon Cognito and
 * any OAuth 2.0 / OIDC issuer.
 *
 * @packageDocumentation
 */
export { createVerifier, isVerifier, toVerifier, useVerifier } from './verifier.js'
export type { AuthenticateOptions, Verifier, VerifierStats } from './verifier.js'
export { cognito, cognitoIssuer, isCognitoIssuer } from './cognito.js'
export type { CognitoOptions } from './cognito.js'
// The option types: VerifierOptions and the types of its fields, every one public.
export type * from './options.js'
export { ConfigurationError, OAuthError, isOAuthError } from './errors.js'
export type { OAuthErrorCode, OAuthErrorOptions, OAuthErrorReason } from './errors.js'
export { challengeHeader } from './challenge.js'
export type { ChallengeContext, ChallengeParams } from './challenge.js'
export type { AuthInfo, TokenBinding, TokenClaims } from './auth-info.js'
export { nodeClientCertificate, nodeRequestHeaders } from './bearer.js'
export { webRequestHeaders } from './web-headers.js'
export type { AuthRequest, NodeSocketLike, RequestHeaders, TokenTransport } from './bearer.js'
export {
  checkScopeRequirement,
  readScopes,
  prefixScope,
  READ_METHODS,
  WRITE_METHODS,
} from './scopes.js'
export type { MethodScopeMap, ScopeMode, ScopeRequirement } from './scopes.js'
export { metadataHandler, resourceMetadataDocument, scopeGuards } from './scope-guards.js'
export { authentication, immediateAuthentication } from './authentication.js'
export type { AuthenticationStep, ImmediateAuthenticationStep } from './authentication.js'
export type { MaybePromise } from './maybe-async.js'
export { nodeAuthRequest } from './node-request.js'
export type { NodeMessageLike, ParsedRequestParts } from './node-request.js'
export type { ScopeCheck, ScopeGuards } from './scope-guards.js'
export type { ProtectedResourceMetadata, ResourceMetadata } from './resource-metadata.js'
export { ALGORITHMS, DEFAULT_ALGORITHMS } from './algorithms.js'
export type { Algorithm } from './algorithms.js'
export type { JwsHeader } from './jws-parser.js'
export type { IntrospectionResultCache, ReplayStore, RevocationSource } from './stores.js'
export { createRevocationList, isRevocation } from './revocation-list.js'
export type {
  Revocation,
  RevocationInput,
  RevocationKind,
  RevocationList,
  RevocationListOptions,
} from './revocation-list.js'
export { MemoryIntrospectionCache } from './introspection-cache.js'
export { createMemoryReplayStore } from './memory-replay-store.js'
export type { MemoryReplayStore, MemoryReplayStoreOptions } from './memory-replay-store.js'
export { DEFAULT_DPOP_ALGORITHMS } from './sender-options.js'
export type { DpopOptions } from './sender-options.js'
export { jwkThumbprint } from './jwk-thumbprint.js'
export type {
  IntrospectionCacheOptions,
  IntrospectionClientAuthentication,
  IntrospectionOptions,
} from './introspection-options.js'
export type {
  AuthScheme,
  DpopReplayEvent,
  EventListener,
  FetchResult,
  IntrospectionEvent,
  IntrospectionResult,
  JwksFetchEvent,
  JwksRefreshFailedEvent,
  RevocationEvent,
  ScopeguardEvent,
  VerificationEvent,
  VerificationOutcome,
} from './events.js'
