/** The Schema Registry subset under /data/foundation/schemaregistry. */
import type { App, Services } from '../app.js';

/** Registers the Schema Registry routes. */
export function registerSchemaRegistryRoutes(_app: App, _services: Services): void {}
