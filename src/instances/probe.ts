/**
 * Readiness probes: does the client endpoint answer? HTTP for a web client, TCP for the livestream
 * signal port. Plain node:http / node:net with a timeout, no proxy agents (the targets are the
 * simulator's own ports).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** True when the URL answers with any HTTP status below 500. Never throws. */
export function probeHttp(url: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      resolve(false);
      return;
    }
    const client = parsed.protocol === 'https:' ? https : http;
    try {
      const req = client.get(parsed, { agent: false, timeout: timeoutMs, headers: { 'user-agent': 'isaac-sim-orchestrator-probe' } }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 500);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(false));
    } catch {
      resolve(false);
    }
  });
}

/** True when a TCP connection to host:port is accepted. Never throws. */
export function probeTcp(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
