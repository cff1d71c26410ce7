/**
 * The video ingest feature as the process runs it: its settings (README "Video:" table),
 * migrations, and what each role starts — channels, videos, tus uploads, SSE, the
 * abandoned-upload cleanup, views (with their write-behind, flushed on stop), trending
 * (with its recompute), captions, watch progress and the playback origin (signed URLs) in
 * `all`/`api`; the transcoder in `all`/`transcoder`.
 */
import { defineFeature, servesApi } from '@twin/platform';
import { captionRoutes } from './captions/routes.ts';
import { CaptionService } from './captions/service.ts';
import { startBlobCleanup, blobCleanupGroup } from './catalog/blob-cleanup.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { CatalogService } from './catalog/service.ts';
import { channelRoutes } from './channels/routes.ts';
import { ChannelService } from './channels/service.ts';
import { videoDb } from './db.ts';
import { videoMigrations } from './migrations.ts';
import { searchSyncGroup, startSearchSync } from './search/consumer.ts';
import { searchIndexFor } from './search/index.ts';
import { searchRoutes } from './search/routes.ts';
import { SearchService } from './search/service.ts';
import { RecentFiles } from './origin/recent-files.ts';
import { originRoutes } from './origin/routes.ts';
import { VideoAccess } from './origin/video-access.ts';
import { loadPlaybackSecret, PlaybackUrls } from './playback/index.ts';
import { videoSettings } from './settings.ts';
import { registerTranscodersGroup } from './transcode/group.ts';
import { startTranscoder, type Transcoder } from './transcode/transcoder.ts';
import { trendingRoutes } from './trending/routes.ts';
import { TrendingService } from './trending/service.ts';
import { startUploadCleanup, type UploadCleanup } from './uploads/cleanup.ts';
import { uploadRoutes } from './uploads/routes.ts';
import { createTusServer } from './uploads/tus-server.ts';
import { VideoLive } from './videos/live.ts';
import { videoRoutes } from './videos/routes.ts';
import { VideoService } from './videos/service.ts';
import { viewRoutes } from './views/routes.ts';
import { ViewService } from './views/service.ts';
import { watchProgressRoutes } from './watch-progress/routes.ts';
import { WatchProgressService } from './watch-progress/service.ts';

export const videoFeature = defineFeature({
  name: 'video',
  settings: videoSettings,
  migrations: videoMigrations,
  async start({ platform, role, settings }) {
    // Before anything can publish a job: the bus keeps events only for groups it knows.
    await registerTranscodersGroup(platform, settings);
    const live = new VideoLive(platform.cache);
    const channels = new ChannelService(platform);
    const videos = new VideoService(platform, live);
    const catalog = new CatalogService(platform, live);
    const searchIndex = searchIndexFor(platform.sql.db);
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
    // Views are counted where the API runs; their write-behind and the trending recompute run beside it.
    const views = api ? new ViewService(platform, settings) : undefined;
    const trending = api ? new TrendingService(platform, settings) : undefined;
    // Signed playback URLs and the origin that checks them (files of ready videos under /v/{id}/).
    const playbackSecret = loadPlaybackSecret(settings.playbackSecret, platform.config.dataDir);
    const playback = new PlaybackUrls({ secret: playbackSecret, ttlMs: settings.playbackUrlTtlMs, baseUrl: settings.playbackBaseUrl });
    views?.start();
    trending?.start();
    // Catalog consumers: registered in every role (a transcoder publishes video.ready even before any API node ran), run beside the API or the workers.
    await Promise.all([platform.bus.registerGroup(searchSyncGroup), platform.bus.registerGroup(blobCleanupGroup)]);
    const consumers = api || role === 'worker' ? await Promise.all([startSearchSync(platform, searchIndex), startBlobCleanup(platform)]) : [];
    const transcoder: Transcoder | undefined = role === 'all' || role === 'transcoder' ? await startTranscoder({ platform, live, settings }) : undefined;
    return {
      async register(app) {
        if (!tus) return;
        await app.register(channelRoutes, { channels });
        await app.register(catalogRoutes, { catalog });
        await app.register(searchRoutes, { search: new SearchService(platform, searchIndex, settings) });
        await app.register(videoRoutes, { videos, catalog, playback });
        await app.register(uploadRoutes, { tus: tus.server });
        await app.register(viewRoutes, { views: views! });
        await app.register(trendingRoutes, { trending: trending! });
        await app.register(captionRoutes, { captions: new CaptionService(platform), maxBytes: settings.captionMaxBytes });
        await app.register(watchProgressRoutes, { progress: new WatchProgressService(platform) });
        await app.register(originRoutes, {
          files: new RecentFiles(platform.blob, settings.originLookupCacheMs),
          access: new VideoAccess({ db: videoDb(platform), secret: playbackSecret, rememberMs: settings.originLookupCacheMs }),
          policy: { playlistMaxAgeSec: Math.round(settings.playlistMaxAgeMs / 1000), edgeTtlSec: Math.round(settings.edgeCacheTtlMs / 1000) },
        });
      },
      async stop() {
        await Promise.all(consumers.map((c) => c.stop()));
        await cleanup?.stop();
        await trending?.stop();
        await views?.stop();
        await transcoder?.stop();
      },
    };
  },
});
