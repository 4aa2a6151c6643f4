// Cognito's side of a sign-in, played by the test: tokens shaped like Cognito's (unsigned JWTs with
// the claims Amplify and AppSync read), and the two user-pool calls the Authenticator sends for SRP
// (InitiateAuth USER_SRP_AUTH → PASSWORD_VERIFIER, RespondToAuthChallenge) checked for real: the
// password claim is verified with the SRP-6a maths Cognito uses, so only the right password signs in.
import { createHash, createHmac, randomBytes } from 'node:crypto';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
}

export interface User {
  email: string;
  password: string;
  sub: string;
  groups: string[];
}

export function jwt(payload: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: 'RS256', kid: 'test' }))}.${b64url(JSON.stringify(payload))}.${b64url('unsigned')}`;
}

export function tokensFor(
  user: User,
  pool: { userPoolId: string; clientId: string; region: string },
  nowMs: number,
): Tokens {
  const iat = Math.floor(nowMs / 1000);
  const iss = `https://cognito-idp.${pool.region}.amazonaws.com/${pool.userPoolId}`;
  const common = { sub: user.sub, iss, 'cognito:groups': user.groups, iat, auth_time: iat, exp: iat + 3600 };
  return {
    accessToken: jwt({
      ...common,
      token_use: 'access',
      client_id: pool.clientId,
      username: user.sub,
      scope: 'aws.cognito.signin.user.admin',
      jti: randomBytes(8).toString('hex'),
    }),
    idToken: jwt({
      ...common,
      token_use: 'id',
      aud: pool.clientId,
      'cognito:username': user.sub,
      email: user.email,
      email_verified: true,
    }),
    refreshToken: b64url(randomBytes(32)),
  };
}

/** The claims of a token (no signature check: the test issued it). */
export function claimsOf(token: string | undefined): Record<string, unknown> | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

// SRP-6a as Cognito runs it (RFC 5054's 3072-bit group, SHA-256, g = 2).
const N = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
const g = 2n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** Cognito's padded hex: even length, and a leading 00 when the first bit is set (a positive number). */
function padHex(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  else if ('89abcdef'.includes(hex[0]!)) hex = `00${hex}`;
  return hex;
}
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hashHex = (hex: string) => sha256Hex(Buffer.from(hex, 'hex'));
const big = (hex: string) => BigInt(`0x${hex}`);
const k = big(hashHex(`${padHex(N)}${padHex(g)}`));

/** One SRP sign-in in progress (between InitiateAuth and RespondToAuthChallenge). */
interface Pending {
  user: User;
  A: bigint;
  b: bigint;
  B: bigint;
  salt: string;
  secretBlock: string;
  verifier: bigint;
}

export class FakeCognito {
  readonly calls: string[] = [];
  private readonly pending = new Map<string, Pending>();
  signIns = 0;

  constructor(
    private readonly pool: { userPoolId: string; clientId: string; region: string },
    private readonly users: User[],
    private readonly now: () => number,
  ) {}

  private get poolName(): string {
    return this.pool.userPoolId.split('_')[1]!;
  }

  /** One Cognito user-pool API call (`X-Amz-Target: AWSCognitoIdentityProviderService.<action>`). */
  handle(action: string, body: Record<string, unknown>): { status: number; body: unknown } {
    this.calls.push(action);
    const refuse = (type: string, message: string) => ({ status: 400, body: { __type: type, message } });
    if (body.ClientId !== undefined && body.ClientId !== this.pool.clientId)
      return refuse('ResourceNotFoundException', 'User pool client does not exist.');
    if (action === 'InitiateAuth') {
      const parameters = (body.AuthParameters ?? {}) as Record<string, string>;
      if (body.AuthFlow !== 'USER_SRP_AUTH' || !parameters.SRP_A)
        return refuse('InvalidParameterException', `fake Cognito: unexpected flow ${String(body.AuthFlow)}`);
      const user = this.users.find((u) => u.email === parameters.USERNAME);
      if (!user) return refuse('UserNotFoundException', 'User does not exist.');
      const salt = randomBytes(16).toString('hex');
      // x = H(salt | H(poolName | userId | ":" | password)); v = g^x
      const inner = sha256Hex(`${this.poolName}${user.sub}:${user.password}`);
      const x = big(hashHex(padHex(big(salt)) + inner));
      const verifier = modPow(g, x, N);
      const b = big(randomBytes(128).toString('hex'));
      const B = (k * verifier + modPow(g, b, N)) % N;
      const secretBlock = randomBytes(64).toString('base64');
      this.pending.set(user.sub, { user, A: big(parameters.SRP_A), b, B, salt, secretBlock, verifier });
      return {
        status: 200,
        body: {
          ChallengeName: 'PASSWORD_VERIFIER',
          ChallengeParameters: {
            SALT: salt,
            SECRET_BLOCK: secretBlock,
            SRP_B: B.toString(16),
            USERNAME: user.sub,
            USER_ID_FOR_SRP: user.sub,
          },
        },
      };
    }
    if (action === 'RespondToAuthChallenge') {
      const responses = (body.ChallengeResponses ?? {}) as Record<string, string>;
      const pending = this.pending.get(responses.USERNAME ?? '');
      if (body.ChallengeName !== 'PASSWORD_VERIFIER' || !pending)
        return refuse('NotAuthorizedException', 'Incorrect username or password.');
      this.pending.delete(pending.user.sub);
      const { A, B, b, verifier } = pending;
      const u = big(hashHex(padHex(A) + padHex(B)));
      const S = modPow((A * modPow(verifier, u, N)) % N, b, N);
      // K = HKDF-SHA256(ikm = S, salt = u, info = "Caldera Derived Key"), 16 bytes
      const prk = createHmac('sha256', Buffer.from(padHex(u), 'hex'))
        .update(Buffer.from(padHex(S), 'hex'))
        .digest();
      const K = createHmac('sha256', prk)
        .update(Buffer.concat([Buffer.from('Caldera Derived Key'), Buffer.from([1])]))
        .digest()
        .subarray(0, 16);
      const expected = createHmac('sha256', K)
        .update(
          Buffer.concat([
            Buffer.from(this.poolName),
            Buffer.from(pending.user.sub),
            Buffer.from(responses.PASSWORD_CLAIM_SECRET_BLOCK ?? '', 'base64'),
            Buffer.from(responses.TIMESTAMP ?? ''),
          ]),
        )
        .digest('base64');
      if (
        responses.PASSWORD_CLAIM_SECRET_BLOCK !== pending.secretBlock ||
        responses.PASSWORD_CLAIM_SIGNATURE !== expected
      )
        return refuse('NotAuthorizedException', 'Incorrect username or password.');
      const tokens = tokensFor(pending.user, this.pool, this.now());
      this.signIns += 1;
      return {
        status: 200,
        body: {
          ChallengeParameters: {},
          AuthenticationResult: {
            AccessToken: tokens.accessToken,
            IdToken: tokens.idToken,
            RefreshToken: tokens.refreshToken,
            ExpiresIn: 3600,
            TokenType: 'Bearer',
          },
        },
      };
    }
    if (action === 'GetUser') {
      // What the Authenticator reads after signing in: a verified email needs no recovery step.
      const sub = claimsOf(String(body.AccessToken ?? ''))?.sub;
      const user = this.users.find((u) => u.sub === sub);
      if (!user) return refuse('NotAuthorizedException', 'Invalid Access Token');
      return {
        status: 200,
        body: {
          Username: user.sub,
          UserAttributes: [
            { Name: 'sub', Value: user.sub },
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
          ],
        },
      };
    }
    return refuse('InvalidParameterException', `fake Cognito: ${action} is not part of this test`);
  }
}
