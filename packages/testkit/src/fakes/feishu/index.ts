export { decodeFrame, encodeFrame, frameHeader, type Pbbp2Frame } from './pbbp2.js';
export {
  type FakeFeishu,
  type FakeFeishuAck,
  type FakeFeishuCall,
  type FakeFeishuFailure,
  type FakeFeishuMessage,
  type FakeFeishuOptions,
  type FakeFeishuUser,
  startFakeFeishu,
} from './server.js';
