/**
 * The core's signature and key-selection layer for the security suites: {@link verifyJws} and
 * both signature backends.
 */
export { publicKeySet, verifyJws, type JwsOutcome } from './verify-jws.js'
export { backend as nodeBackend } from '../../packages/core/src/crypto/node-backend.js'
export { backend as webCryptoBackend } from '../../packages/core/src/crypto/webcrypto-backend.js'
