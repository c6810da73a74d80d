/**
 * Certificates for the HTTPS tests, generated per run with @peculiar/x509 (nothing pasted): a test
 * CA, a server certificate for 127.0.0.1 signed by it, client certificates signed by it, and a
 * self-signed client certificate from no CA, all ECDSA P-256, as PEM.
 */
// @peculiar/x509 resolves its parsers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata'
import { createHash, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as Crypto)

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

/** A certificate and its private key, PEM. */
export interface Pem {
  cert: string
  key: string
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the DER certificate. */
  thumbprint: string
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key))
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`
}

async function pemOf(cert: x509.X509Certificate, key: CryptoKey): Promise<Pem> {
  return {
    cert: cert.toString('pem'),
    key: await keyPem(key),
    thumbprint: createHash('sha256').update(Buffer.from(cert.rawData)).digest('base64url'),
  }
}

let serial = 1
const validity = () => ({
  serialNumber: String(serial++).padStart(2, '0'),
  notBefore: new Date(Date.now() - 60_000),
  notAfter: new Date(Date.now() + 86_400_000),
  signingAlgorithm: EC,
})

async function keys(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])
}

/** A certificate authority that signs server and client certificates. */
export interface TestCa {
  cert: string
  /** A server certificate for 127.0.0.1 and localhost. */
  server(): Promise<Pem>
  /** A client certificate with this common name. */
  client(name: string): Promise<Pem>
}

/**
 * Creates a test CA.
 *
 * @example
 * ```ts
 * const ca = await createTestCa('photo test CA')
 * const alice = await ca.client('alice')
 * ```
 */
export async function createTestCa(name: string): Promise<TestCa> {
  const caKeys = await keys()
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    ...validity(),
    name: `CN=${name}`,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  })
  const issue = async (subject: string, extensions: x509.Extension[]): Promise<Pem> => {
    const own = await keys()
    const cert = await x509.X509CertificateGenerator.create({
      ...validity(),
      subject: `CN=${subject}`,
      issuer: ca.subject,
      publicKey: own.publicKey,
      signingKey: caKeys.privateKey,
      extensions,
    })
    return pemOf(cert, own.privateKey)
  }
  return {
    cert: ca.toString('pem'),
    server: () =>
      issue('127.0.0.1', [
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ]),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ]),
    client: (subject) =>
      issue(subject, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]),
  }
}

/** A self-signed client certificate, issued by no CA the server knows. */
export async function selfSignedClient(subject: string): Promise<Pem> {
  const own = await keys()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    ...validity(),
    name: `CN=${subject}`,
    keys: own,
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  })
  return pemOf(cert, own.privateKey)
}
