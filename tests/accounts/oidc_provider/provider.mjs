// A real OpenID Connect provider (panva's certified oidc-provider) for the single sign-on
// tests: it stands in for Microsoft Entra ID on loopback, with its own sign-in form.
//
// Environment:
//   OIDC_PORT           port to listen on; 0 (the default) lets the system pick a free one
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (space-separated; on localhost
//                       or 127.0.0.1 any port matches, so one provider serves every test
//                       server, as Entra ID ignores the port of a localhost redirect URI)
//   OIDC_ACCOUNTS       JSON list of {sub, email, email_verified, name, password, ...}; every
//                       key other than password is released as a claim, so a test can send
//                       claims the site must ignore (e.g. "role")
//
// Prints "READY <issuer>" on stdout once it accepts connections.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const accounts = JSON.parse(env('OIDC_ACCOUNTS'));
const client = {
  client_id: env('OIDC_CLIENT_ID'),
  client_secret: env('OIDC_CLIENT_SECRET'),
  redirect_uris: env('OIDC_REDIRECT_URIS').split(' '),
  // "native" only so that loopback redirect URIs match on any port (RFC 8252, 7.3); the
  // client still authenticates with its secret, as a web app registered in Entra ID does.
  application_type: 'native',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  // What allauth picks when a provider offers it, as Entra ID does.
  token_endpoint_auth_method: 'client_secret_post',
};

function accountFor(login) {
  const wanted = login.trim().toLowerCase();
  return accounts.find((a) => a.sub === login || a.email.toLowerCase() === wanted);
}

function claimsOf(account) {
  const { password, ...claims } = account;
  return claims;
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, { uid, login = '', error = '' }) {
  res.writeHead(error ? 400 : 200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 4rem auto">
<h1>Test identity provider</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
  <p><label for="login">E-mail address</label><br>
     <input id="login" name="login" type="text" value="${escape(login)}" required autofocus></p>
  <p><label for="password">Password</label><br>
     <input id="password" name="password" type="password" required></p>
  <p><button type="submit">Sign in at the provider</button></p>
</form>
</body></html>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// Consent is granted without asking, as an Entra ID administrator grants it once for the
// whole organisation; the sign-in form is this script's own.
async function grantConsent(provider, req, res, { prompt, grantId, session, params }) {
  const { details } = prompt;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt } = details;
  if (prompt.name === 'consent') {
    await grantConsent(provider, req, res, details);
    return;
  }
  if (req.method === 'GET') {
    loginPage(res, { uid });
    return;
  }
  const form = await readForm(req);
  const login = form.get('login') || '';
  const account = accountFor(login);
  if (!account || account.password !== form.get('password')) {
    loginPage(res, { uid, login, error: 'Wrong e-mail address or password.' });
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub } },
    { mergeWithLastSubmission: false },
  );
}

const server = createServer();
server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [client],
    jwks: { keys: [{ ...signingKey, kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'role'],
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: (ctx, interactionRow) => `/interaction/${interactionRow.uid}` },
    async findAccount(ctx, sub) {
      const account = accounts.find((a) => a.sub === sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => claimsOf(account) };
    },
  });

  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((error) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    } else {
      handle(req, res);
    }
  });
  console.log(`READY ${issuer}`);
});

