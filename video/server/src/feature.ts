/**
 * The video ingest feature as the process runs it: its settings (README "Video:" table),
 * migrations, and what each role starts — channels, videos, tus uploads, SSE and the
 * abandoned-upload cleanup in `all`/`api`; the transcoder in `all`/`transcoder`.
 */
import { defineFeature, servesApi } from '@twin/platform';
import { channelRoutes } from './channels/routes.ts';
import { ChannelService } from './channels/service.ts';
import { videoMigrations } from './migrations.ts';
import { videoSettings } from './settings.ts';
import { startTranscoder, type Transcoder } from './transcode/transcoder.ts';
import { startUploadCleanup, type UploadCleanup } from './uploads/cleanup.ts';
import { uploadRoutes } from './uploads/routes.ts';
import { createTusServer } from './uploads/tus-server.ts';
import { VideoLive } from './videos/live.ts';
import { videoRoutes } from './videos/routes.ts';
import { VideoService } from './videos/service.ts';

export const videoFeature = defineFeature({
  name: 'video',
  settings: videoSettings,
  migrations: videoMigrations,
  async start({ platform, role, settings }) {
    const live = new VideoLive(platform.cache);
    const channels = new ChannelService(platform);
    const videos = new VideoService(platform, live);
    const api = servesApi(role);
    const tus = api
      ? createTusServer({
          platform,
          live,
          channels,
          maxBytes: settings.uploadMaxBytes,
          quotaBytes: settings.accountQuotaBytes,
          expiryMs: settings.uploadExpiryMs,
          maxDurationSec: settings.maxDurationMs / 1000,
        })
      : undefined;
    const cleanup: UploadCleanup | undefined = tus
      ? startUploadCleanup({ platform, tus: tus.server, store: tus.store, live, expiryMs: settings.uploadExpiryMs, intervalMs: settings.uploadCleanupIntervalMs })
      : undefined;
    const transcoder: Transcoder | undefined = role === 'all' || role === 'transcoder' ? await startTranscoder({ platform, live, settings }) : undefined;
    return {
      async register(app) {
        if (!tus) return;
        await app.register(channelRoutes, { channels });
        await app.register(videoRoutes, { videos });
        await app.register(uploadRoutes, { tus: tus.server });
      },
      async stop() {
        await cleanup?.stop();
        await transcoder?.stop();
      },
    };
  },
});
