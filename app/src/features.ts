/**
 * The product features this process can run, in start order. Each brings its settings,
 * migrations, background work and routes (see `Feature` in the platform).
 */
import { chatFeature } from '@twin/chat-server';
import type { Feature } from '@twin/platform';
import { videoFeature } from '@twin/video-server';

export const features: readonly Feature[] = [chatFeature, videoFeature];
