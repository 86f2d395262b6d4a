export { type FakeEchoMessage, type FakeEchoPlatform, startFakeEchoPlatform } from './server.js';
