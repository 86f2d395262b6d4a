import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Capability, has, MediaNotFoundError, MediaTooLargeError } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelUnderTest } from './harness.js';
import type { ChannelConformanceOptions, ConformancePlatform } from './options.js';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8]);

/**
 * Channels declaring `Media`: an image sent as data and a file sent by URL reach the platform
 * (uploaded, or linked), and where `downloadMedia` exists, an inbound ref reads back its bytes,
 * an unknown one is `MediaNotFoundError`, and one over the cap is `MediaTooLargeError`.
 */
export function describeMediaChecks<C extends Record<string, unknown>>(
  options: ChannelConformanceOptions<C>,
  platform: () => ConformancePlatform,
): void {
  const channel = createChannelUnderTest(options);
  if (!has(channel.capabilities(), Capability.Media) || options.skipMediaChecks) return;
  const downloads = channel.downloadMedia !== undefined;

  describe('media', () => {
    let files: Server;
    let filesUrl = '';
    beforeAll(async () => {
      // Where the agent's media URL points: a plain HTTP server, as an agent's CDN would be.
      files = createServer((req, res) => {
        if (req.url !== '/report.pdf') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(PNG.length) });
        res.end(Buffer.from(PNG));
      });
      files.listen(0, '127.0.0.1');
      await once(files, 'listening');
      filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/report.pdf`;
    });
    afterAll(async () => {
      files.closeAllConnections();
      await new Promise<void>((resolve) => files.close(() => resolve()));
    });

    it('gives the suite a way to see media on the platform', () => {
      expect(platform().media).toBeDefined();
    });

    it('sends an image given as data, and the platform holds those bytes', async () => {
      const target = options.sendTargets[0];
      if (!target) throw new Error('media needs a send target');
      const sent = await createChannelUnderTest(options, platform().apiBaseUrl).send({
        target,
        media: {
          kind: 'image',
          data: Buffer.from(PNG).toString('base64'),
          mimeType: 'image/png',
          name: 'a.png',
        },
        idempotencyKey: 'conf-media-data',
      });
      const held = platform().media?.sentMedia(target, sent.platformMessageId);
      expect(held?.kind).toBe('image');
      expect([...(held?.bytes ?? [])]).toEqual([...PNG]);
    });

    it('sends a file given by URL, uploaded or linked', async () => {
      const target = options.sendTargets[0];
      if (!target) throw new Error('media needs a send target');
      const sent = await createChannelUnderTest(options, platform().apiBaseUrl).send({
        target,
        media: { kind: 'file', url: filesUrl, name: 'report.pdf', mimeType: 'application/pdf' },
        idempotencyKey: 'conf-media-url',
      });
      const held = platform().media?.sentMedia(target, sent.platformMessageId);
      expect(held?.kind).toBe('file');
      if (held?.link !== undefined) expect(held.link).toBe(filesUrl);
      else expect([...(held?.bytes ?? [])]).toEqual([...PNG]);
    });

    if (!downloads) return;

    it('downloads an inbound media ref: the bytes the platform serves', async () => {
      const ref = await platform().media?.addInboundMedia(PNG, 'image');
      if (!ref) throw new Error('the platform adds no inbound media');
      const channel = createChannelUnderTest(options, platform().apiBaseUrl);
      const media = await channel.downloadMedia?.(ref, { maxBytes: 1024 });
      expect([...(media?.bytes ?? [])]).toEqual([...PNG]);
    });

    it('refuses a ref the platform does not have with MediaNotFoundError', async () => {
      const ref = platform().media?.missingRef();
      if (!ref) throw new Error('the platform names no missing ref');
      const channel = createChannelUnderTest(options, platform().apiBaseUrl);
      await expect(channel.downloadMedia?.(ref, { maxBytes: 1024 })).rejects.toBeInstanceOf(
        MediaNotFoundError,
      );
    });

    it('refuses media over the cap with MediaTooLargeError', async () => {
      const ref = await platform().media?.addInboundMedia(PNG, 'image');
      if (!ref) throw new Error('the platform adds no inbound media');
      const channel = createChannelUnderTest(options, platform().apiBaseUrl);
      await expect(channel.downloadMedia?.(ref, { maxBytes: PNG.length - 1 })).rejects.toBeInstanceOf(
        MediaTooLargeError,
      );
    });
  });
}
