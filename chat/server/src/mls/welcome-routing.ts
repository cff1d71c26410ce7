/**
 * Which devices a commit's Welcome goes to. A Welcome names each new member by the
 * KeyPackageRef of the package it was encrypted to (RFC 9420 §12.4.3.1); the commit's add
 * proposals carry those packages, whose leaves the roster rules bound to devices. The
 * Welcome must name exactly the packages the commit adds — no stranger gets a copy, and no
 * added device is left without one.
 */
import { MLS_CIPHER_SUITE } from '@twin/chat-protocol';
import { AppError } from '@twin/platform';
import type { Welcome } from 'ts-mls';
import { chatErrors } from '../errors.ts';
import { toHex } from './mls-codec.ts';
import type { AddedLeaf } from './public-group.ts';

/** The device ids the Welcome is for, in the commit's order; throws `mls_welcome_mismatch`. */
export function welcomeRecipients(welcome: Welcome | undefined, added: readonly AddedLeaf[]): string[] {
  const mismatch = (message: string) => new AppError(chatErrors.mls_welcome_mismatch, message);
  if (added.length === 0) {
    if (welcome) throw mismatch('The commit adds nobody, so it takes no Welcome.');
    return [];
  }
  if (!welcome) throw mismatch('A commit that adds devices must come with their Welcome.');
  if (welcome.cipherSuite !== MLS_CIPHER_SUITE) throw mismatch(`The Welcome must use ${MLS_CIPHER_SUITE}.`);
  const named = new Set(welcome.secrets.map((secret) => toHex(secret.newMember)));
  const wanted = new Set(added.map((leaf) => leaf.ref));
  if (named.size !== welcome.secrets.length || named.size !== wanted.size || [...wanted].some((ref) => !named.has(ref))) {
    throw mismatch('The Welcome must name exactly the key packages the commit adds.');
  }
  return added.map((leaf) => leaf.deviceId!);
}
