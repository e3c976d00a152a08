/**
 * The OPC UA driver's certificate store: the application's own certificate and key (created
 * by node-opcua on first use under `<driver data>/pki/own/`), the server certificates an
 * administrator trusted (`pki/trusted/certs/`) and those a server presented that nobody
 * trusted yet (`pki/rejected/`). The administrator trusts a server from the devices screen,
 * after comparing the thumbprint shown with the one the server's operator reads out.
 *
 * Certificate problems become sentences (`certificateProblem`), never status code names.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OPCUACertificateManager } from 'node-opcua';
import { opcua } from './lib';
import type { TrustedCertificate } from '../../core/common/bridge';

export function pkiFolder(dataDir: string): string {
  return join(dataDir, 'pki');
}

/** One certificate manager per driver data folder (every OPC UA device of the host shares it). */
/**
 * The PKI folder is the owner's only, like the rest of the data folder (node-opcua creates its
 * folders 0755 and files 0644, the app's certificate among them): folders 0700, files 0600.
 * Called once the store is initialised and after each connection (the app's certificate is
 * made on the first one).
 */
export function pkiOwnerOnly(dataDir: string): void {
  const walk = (d: string, depth: number): void => {
    if (depth > 6 || !existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (st.mode & 0o077) chmodSync(p, 0o700);
        walk(p, depth + 1);
      } else if (st.isFile() && st.mode & 0o077) chmodSync(p, 0o600);
    }
  };
  const root = pkiFolder(dataDir);
  if (existsSync(root)) chmodSync(root, 0o700);
  walk(root, 1);
}

export function createCertificateManager(dataDir: string): OPCUACertificateManager {
  const rootFolder = pkiFolder(dataDir);
  mkdirSync(rootFolder, { recursive: true, mode: 0o700 });
  return new (opcua().OPCUACertificateManager)({ rootFolder, automaticallyAcceptUnknownCertificate: false, keySize: 2048, disableFileWatchers: true });
}

function toDer(buf: Buffer): Buffer {
  const text = buf.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return buf;
  const b64 = text.split('-----BEGIN CERTIFICATE-----')[1]!.split('-----END CERTIFICATE-----')[0]!.replace(/\s+/g, '');
  return Buffer.from(b64, 'base64');
}

/** SHA-1 thumbprint as OPC UA shows it: 40 lowercase hex digits. */
export function thumbprintOf(der: Buffer): string {
  return new X509Certificate(der).fingerprint.replace(/:/g, '').toLowerCase();
}

function commonName(dn: string): string {
  const cn = /(?:^|\n|,\s*)CN=([^\n,]+)/.exec(dn);
  return cn ? cn[1]!.trim() : dn.replace(/\n/g, ', ');
}

export function describeCertificate(der: Buffer, status: TrustedCertificate['status'], now = Date.now()): TrustedCertificate {
  const x = new X509Certificate(der);
  const validFrom = Date.parse(x.validFrom);
  const validTo = Date.parse(x.validTo);
  return {
    protocol: 'opcua',
    thumbprint: x.fingerprint.replace(/:/g, '').toLowerCase(),
    sha256: x.fingerprint256.toLowerCase(),
    subject: commonName(x.subject),
    issuer: commonName(x.issuer),
    applicationUri: /URI:([^,\s]+)/.exec(x.subjectAltName ?? '')?.[1],
    validFrom,
    validTo,
    status,
    ...(now > validTo ? { problem: `expired on ${new Date(validTo).toISOString().slice(0, 10)}` } : now < validFrom ? { problem: `not valid before ${new Date(validFrom).toISOString().slice(0, 10)}` } : {}),
  };
}

function readFolder(dir: string, status: TrustedCertificate['status'], now: number): Array<TrustedCertificate & { der: Buffer }> {
  if (!existsSync(dir)) return [];
  const out: Array<TrustedCertificate & { der: Buffer }> = [];
  for (const name of readdirSync(dir)) {
    if (!/\.(pem|der|crt)$/i.test(name)) continue;
    const file = join(dir, name);
    try {
      const der = toDer(readFileSync(file));
      out.push({ ...describeCertificate(der, status, now), seenAt: statSync(file).mtimeMs, der });
    } catch {
      // not a certificate: left alone
    }
  }
  return out;
}

/** The server certificates of the store: trusted ones and those waiting for a decision. */
export function listCertificates(cm: OPCUACertificateManager, now = Date.now()): Array<TrustedCertificate & { der: Buffer }> {
  return [...readFolder(cm.trustedFolder, 'trusted', now), ...readFolder(cm.rejectedFolder, 'rejected', now)];
}

/** Moves a certificate (by SHA-1 thumbprint) into the trusted or the rejected folder. */
export async function setTrust(cm: OPCUACertificateManager, thumbprint: string, trust: boolean): Promise<TrustedCertificate> {
  const t = thumbprint.replace(/[^0-9a-f]/gi, '').toLowerCase();
  const found = listCertificates(cm).find((c) => c.thumbprint === t);
  if (!found) throw new Error(`no OPC UA server certificate with thumbprint ${thumbprint} is known (a server presents it when a device connects with Sign or SignAndEncrypt)`);
  if (trust) await cm.trustCertificate(found.der);
  else await cm.rejectCertificate(found.der);
  const { der: _der, ...view } = found;
  return { ...view, status: trust ? 'trusted' : 'rejected' };
}

/**
 * A sentence for a certificate or identity problem in a node-opcua error, or undefined when
 * the error is about something else. `serverCert` is the server's certificate (DER) if known.
 */
export function certificateProblem(e: unknown, serverCert: Buffer | undefined): string | undefined {
  const text = e instanceof Error ? e.message : String(e);
  let who = "the server's certificate";
  if (serverCert) {
    try {
      const d = describeCertificate(serverCert, 'rejected');
      who = `the server's certificate "${d.subject}" (SHA-1 thumbprint ${d.thumbprint})`;
    } catch {
      // keep the generic name
    }
  }
  if (/BadCertificateUntrusted/.test(text))
    return `${who} is not trusted: an administrator can trust it on the Devices page (Certificates) after checking its thumbprint with the server's operator`;
  if (/BadCertificateTimeInvalid|BadCertificateIssuerTimeInvalid/.test(text)) {
    let when = '';
    if (serverCert) {
      try {
        const d = describeCertificate(serverCert, 'rejected');
        if (d.problem) when = ` (${d.problem})`;
      } catch {
        /* */
      }
    }
    return `${who} has expired or is not yet valid${when}: the server needs a new certificate`;
  }
  if (/BadCertificateRevoked|BadCertificateIssuerRevoked/.test(text)) return `${who} has been revoked`;
  if (/BadCertificateRevocationUnknown|BadCertificateIssuerRevocationUnknown/.test(text))
    return `${who} cannot be checked against its issuer's revocation list (the list is missing)`;
  if (/BadCertificateHostNameInvalid/.test(text)) return `${who} does not name the host in the endpoint URL`;
  if (/BadCertificateUriInvalid/.test(text)) return `${who} does not carry the server's application URI`;
  if (/BadCertificateUseNotAllowed|BadCertificateIssuerUseNotAllowed/.test(text)) return `${who} may not be used for this purpose`;
  if (/BadCertificateInvalid|BadCertificateChainIncomplete|BadCertificatePolicyCheckFailed/.test(text)) return `${who} is invalid or its chain is incomplete`;
  if (/BadSecurityChecksFailed/.test(text)) return 'the server refused the secure channel: it may not trust ES Manager\'s certificate yet (trust it on the server) or the security mode and policy are not offered';
  if (/BadIdentityTokenRejected|BadIdentityTokenInvalid|BadUserAccessDenied/.test(text)) return 'the server refused the user name or password';
  return undefined;
}
