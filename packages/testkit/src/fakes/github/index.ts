export {
  type AlreadyMemberSpelling,
  type FakeGithubAnswer,
  type FakeGithubDelay,
  type FakeGithubHold,
  githubErrors,
} from './errors.js';
export { examplePayload } from './payloads.js';
export {
  type FakeGithub,
  type FakeGithubCall,
  type FakeGithubDelivery,
  type FakeGithubHook,
  type FakeGithubInvitation,
  type FakeGithubOptions,
  type FakeGithubOrg,
  type FakeGithubUser,
  startFakeGithub,
} from './server.js';
