import { createHash, generateKeyPairSync, createPublicKey, sign, verify } from 'node:crypto'
import { Buffer } from 'node:buffer'
import { calculateJwkThumbprint } from 'jose'
import { createVerifier } from '@scopeguard/core'
import { CLIENT_ID, ISSUER, cognitoClaims, generateKeys, jwksOf, signJws } from './lib/tokens.mjs'
const keys = generateKeys(['RS256'])
const header = { kid: keys.RS256.kid, alg: 'RS256' }
const ORIGIN = 'https://api.bench.example'
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const jwk = createPublicKey(privateKey).export({ format: 'jwk' })
const jkt = await calculateJwkThumbprint(jwk, 'sha256')
const token = signJws(keys.RS256, header, { ...cognitoClaims(0), cnf: { jkt } })
const hs = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk })
const ath = createHash('sha256').update(token).digest('base64url')
const iat = Math.floor(Date.now() / 1000)
const N = 20000
const proofs = []
for (let i = 0; i < N; i++) { const input = `${hs}.${b64({ jti: `p${i}`, htm: 'GET', htu: `${ORIGIN}/photos`, iat, ath })}`; proofs.push(`${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`) }
const v = createVerifier({ issuer: ISSUER, clientId: CLIENT_ID, tokenUse: 'access', jwks: jwksOf(keys), dpop: { publicOrigin: ORIGIN, proofMaxAge: 900 } })
const req = (p) => ({ method: 'GET', url: '/photos', headers: { host: ['x'], authorization: [`DPoP ${token}`], dpop: [p] } })
const pub = createPublicKey(privateKey)
let t = performance.now()
for (let i = 0; i < N; i++) { const p = proofs[i]; const d = p.lastIndexOf('.'); verify('sha256', Buffer.from(p.slice(0, d)), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(p.slice(d + 1), 'base64url')) }
console.log('sig only us', ((performance.now() - t) * 1000 / N).toFixed(1))
const reqs = proofs.map(req)
await v.authenticate(reqs[0])
const prof = process.argv[2] === 'prof'
let session
if (prof) { const { Session } = await import('node:inspector/promises'); session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start') }
t = performance.now()
for (let i = 1; i < N; i++) await v.authenticate(reqs[i])
console.log('dpop authenticate us', ((performance.now() - t) * 1000 / (N - 1)).toFixed(1))
if (prof) { const { profile } = await session.post('Profiler.stop'); const { selfTimes } = await import('./profile.mjs'); for (const [n, s] of selfTimes(profile, 20).byFunction) console.log((s * 100).toFixed(1).padStart(5), n) }
