export { decodeFrame, encodeFrame, frameHeader, type Pbbp2Frame } from './pbbp2.js';
export {
  type FakeFeishu,
  type FakeFeishuAck,
  type FakeFeishuCall,
  type FakeFeishuFailure,
  type FakeFeishuFilePart,
  type FakeFeishuMessage,
  type FakeFeishuOptions,
  type FakeFeishuResource,
  type FakeFeishuUser,
  startFakeFeishu,
} from './server.js';
