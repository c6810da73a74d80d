/**
 * TLS certificates for the suites that need client certificates (RFC 8705 certificate-bound
 * tokens): a CA, a server certificate for 127.0.0.1 and two client certificates, generated in the
 * run with @peculiar/x509 on Web Crypto (no PEM pasted in, no openssl binary). ECDSA P-256 keys,
 * valid from an hour ago for a day. Nothing is written to disk.
 */
import 'reflect-metadata'
import { KeyObject, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as Crypto)

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
const HOUR = 3_600_000

/** A certificate and its private key, in the forms Node's TLS options and the RFCs want. */
export interface IssuedCertificate {
  /** PEM of the certificate (`cert` of a TLS context). */
  cert: string
  /** PEM (PKCS #8) of the private key (`key` of a TLS context). */
  key: string
  /** The DER bytes. */
  der: Uint8Array
  /** base64url SHA-256 of the DER: the `cnf["x5t#S256"]` of a token bound to it (RFC 8705 §3.1). */
  thumbprint: string
  /** The RFC 9440 `Client-Cert` field value: the DER as a structured-field byte sequence. */
  clientCertField: string
}

/** The certificates of a run. */
export interface TestCertificates {
  /** The CA's certificate (PEM): the server's `ca`, and what clients trust the server by. */
  ca: string
  /** The server's certificate, for IP 127.0.0.1. */
  server: IssuedCertificate
  /** The client certificate tokens are bound to. */
  client: IssuedCertificate
  /** Another client certificate of the same CA (valid, but not the bound one). */
  other: IssuedCertificate
}

async function keyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
}

async function issued(certificate: x509.X509Certificate, keys: CryptoKeyPair) {
  const der = new Uint8Array(certificate.rawData)
  const digest = await webcrypto.subtle.digest('SHA-256', der)
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string
  return {
    cert: certificate.toString('pem'),
    key,
    der,
    thumbprint: Buffer.from(digest).toString('base64url'),
    clientCertField: `:${Buffer.from(der).toString('base64')}:`,
  }
}

async function generate(): Promise<TestCertificates> {
  const notBefore = new Date(Date.now() - HOUR)
  const notAfter = new Date(Date.now() + 24 * HOUR)
  const caKeys = await keyPair()
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=scopeguard test CA',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const leaf = async (subject: string, usage: string, names: x509.JsonGeneralNames) => {
    const keys = await keyPair()
    const certificate = await x509.X509CertificateGenerator.create({
      subject,
      issuer: ca.subject,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALGORITHM,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(ca),
      ],
    })
    return issued(certificate, keys)
  }
  const [server, client, other] = await Promise.all([
    leaf('CN=127.0.0.1', x509.ExtendedKeyUsage.serverAuth, [{ type: 'ip', value: '127.0.0.1' }]),
    leaf('CN=client-a', x509.ExtendedKeyUsage.clientAuth, [{ type: 'dns', value: 'client-a' }]),
    leaf('CN=client-b', x509.ExtendedKeyUsage.clientAuth, [{ type: 'dns', value: 'client-b' }]),
  ])
  return { ca: ca.toString('pem'), server, client, other }
}

let certificates: Promise<TestCertificates> | undefined

/**
 * The run's certificates, generated on first use (about 10 ms).
 *
 * @example
 * ```ts
 * const { ca, server, client } = await testCertificates()
 * https.createServer({ ...server, ca, requestCert: true, rejectUnauthorized: false }, app)
 * ```
 */
export function testCertificates(): Promise<TestCertificates> {
  return (certificates ??= generate())
}
