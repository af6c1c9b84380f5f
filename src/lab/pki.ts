/**
 * The lab's PKI, made with the `openssl` CLI (ECDSA P-256: fast): a CA, one serving certificate for
 * 127.0.0.1/localhost shared by every kube-apiserver, an admin client certificate (CN=gitfed-admin,
 * O=system:masters) and a service-account signing key pair. Made once per lab directory and reused by later `up`s.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GitfedError } from '../model/diagnostic.ts';
import type { KubeCredentials } from './kube-request.ts';

const run = promisify(execFile);

export interface LabPki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Private key: signs service-account tokens (kube-apiserver, kube-controller-manager). */
  serviceAccountKey: string;
  /** Public key: verifies them. */
  serviceAccountPub: string;
}

export function pkiFiles(dir: string): LabPki {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const days = ['-days', '3650'];

/** Creates the PKI under `dir`, or returns the existing one when every file is there. */
export async function ensurePki(dir: string): Promise<{ pki: LabPki; created: boolean }> {
  const pki = pkiFiles(dir);
  const files = Object.entries(pki).filter(([k]) => k !== 'dir').map(([, v]) => v);
  if ((await Promise.all(files.map(exists))).every(Boolean)) return { pki, created: false };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await openssl([
    'req', '-x509', ...ec, ...days, '-keyout', pki.caKey, '-out', pki.caCert, '-subj', '/CN=gitfed-lab-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const signed = ['-CA', pki.caCert, '-CAkey', pki.caKey, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature'];
  await Promise.all([
    openssl([
      'req', '-x509', ...ec, ...days, '-keyout', pki.servingKey, '-out', pki.servingCert, '-subj', '/CN=gitfed-lab-apiserver',
      ...signed, '-addext', 'extendedKeyUsage=serverAuth',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,' +
        'DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
    ]),
    openssl([
      'req', '-x509', ...ec, ...days, '-keyout', pki.adminKey, '-out', pki.adminCert,
      '-subj', '/O=system:masters/CN=gitfed-admin', ...signed, '-addext', 'extendedKeyUsage=clientAuth',
    ]),
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pki.serviceAccountKey])
      .then(() => openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub])),
  ]);
  return { pki, created: true };
}

/** The admin credentials as PEM text, for the lab's own API calls and the kubeconfig. */
export async function readAdminCredentials(pki: LabPki): Promise<KubeCredentials> {
  const [ca, cert, key] = await Promise.all([pki.caCert, pki.adminCert, pki.adminKey].map((f) => readFile(f, 'utf8')));
  return { ca: ca as string, cert: cert as string, key: key as string };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new GitfedError('InternalError', 'the lab needs the openssl CLI to make its certificates; install it (Debian: apt-get install openssl)', {}, { cause: err });
    }
    throw new GitfedError('InternalError', `openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr?.trim() || e.message}`, {}, { cause: err });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
