import type { IdentityKey, NamespaceRules } from '@switchboard/core';

export const GITHUB_LOGIN_NAMESPACE = 'github_login';
export const GITHUB_ID_NAMESPACE = 'github_id';

// GitHub logins: alphanumerics and single inner hyphens, at most 39 characters, case-insensitive.
const LOGIN = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/;

/** Logins compare case-insensitively on GitHub, so the canonical spelling is lower case. */
export const githubLoginRules: NamespaceRules = {
  scheme: GITHUB_LOGIN_NAMESPACE,
  format: '<GitHub login>',
  usernamePrefix: 'gh',
  normalize: (identifier) => {
    const login = identifier.trim().toLowerCase();
    return LOGIN.test(login) ? login : null;
  },
};

/** The numeric user id: it survives a rename of the login. */
export const githubIdRules: NamespaceRules = {
  scheme: GITHUB_ID_NAMESPACE,
  format: '<numeric GitHub user id>',
  usernamePrefix: 'gh',
  normalize: (identifier) => {
    const id = identifier.trim();
    return /^[1-9][0-9]{0,19}$/.test(id) ? id : null;
  },
};

/** The identities GitHub verified for a user it reported (a member event, a membership). */
export function githubIdentities(user: { login: string; id: number | string }): IdentityKey[] {
  return [
    { namespace: GITHUB_LOGIN_NAMESPACE, identifier: user.login.toLowerCase() },
    { namespace: GITHUB_ID_NAMESPACE, identifier: String(user.id) },
  ];
}
