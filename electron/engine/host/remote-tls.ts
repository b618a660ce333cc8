// TLS for the remote engine's client: reading the certificate a server presents without sending it
// anything (for the user to compare its fingerprint with the one `lab serve` printed, and to pin
// it), and plain words for why a server could not be reached.
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { LabFailure } from '../../../shared/api';
import type { EngineAddress } from '../../../shared/remote';

/** The PEM text of a certificate as a TLS socket reports it. */
function pemOf(cert: PeerCertificate): string {
  const b64 = cert.raw.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

export interface PeekedCertificate {
  fingerprint: string;
  pem: string;
  subject: string;
  validTo: string;
  /** Whether this machine's trust store (or `ca`) accepts it for this host name. */
  trusted: boolean;
  /** Why it is not trusted, in OpenSSL's words. */
  reason: string;
}

/**
 * The certificate a TLS server presents, read without sending it anything (no token): for the
 * user to compare its fingerprint with the one `lab serve` printed, and to pin it once they did.
 */
export function peekCertificate(address: EngineAddress, ca?: string | Buffer): Promise<PeekedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: address.hostname,
      port: address.port,
      servername: /^[\d.]+$|:/.test(address.hostname) ? undefined : address.hostname,
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    socket.setTimeout(15_000, () => socket.destroy(new Error('timed out')));
    socket.once('error', (err) => reject(unreachable(address, err)));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(true);
      socket.destroy();
      if (!cert?.raw) return reject(new LabFailure('untrusted', `${address.host} presented no certificate.`));
      const x = new X509Certificate(cert.raw);
      resolve({
        fingerprint: x.fingerprint256,
        pem: pemOf(cert),
        subject: x.subject.replace(/\n/g, ', '),
        validTo: x.validTo,
        trusted: socket.authorized,
        reason: socket.authorizationError ? String(socket.authorizationError) : '',
      });
    });
  });
}

export function unreachable(address: EngineAddress, err: Error & { code?: string }): LabFailure {
  const code = err.code ?? '';
  const why = code === 'ECONNREFUSED' ? 'nothing listens there'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'that host name is unknown'
    : code === 'ETIMEDOUT' || /timed out/.test(err.message) ? 'it did not answer'
    : /wrong version number|packet length too long|EPROTO/i.test(`${code} ${err.message}`) ? 'it does not speak TLS there (a ws:// engine? then use ws:// on 127.0.0.1 only)'
    : err.message;
  return new LabFailure('unreachable', `Cannot reach the engine at ${address.host}: ${why}.`, 'Check that lab serve runs there and the address and port are right.');
}

