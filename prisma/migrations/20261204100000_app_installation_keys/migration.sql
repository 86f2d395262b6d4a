-- AlterTable
ALTER TABLE "channel_installation" ADD COLUMN     "app_key" TEXT,
ADD COLUMN     "installation_key" TEXT NOT NULL DEFAULT '';

-- Hand-written. One app may have many installations (an ISV app installed by many tenants, one
-- app with many phone numbers): the app id alone no longer names one installation. The hub fills
-- app_key and installation_key from the config. Here app_key keeps today's rule (the app id) and
-- the hub sets installation_key at startup for the channel types whose app-level route names one.
UPDATE "channel_installation" SET "app_key" = "config"->>'app_id' WHERE "config" ? 'app_id';
DROP INDEX "channel_installation_active_app_id_key";
CREATE UNIQUE INDEX "channel_installation_active_app_key_key"
    ON "channel_installation" ("channel_type", "app_key", "installation_key")
    WHERE "status" = 'active' AND "app_key" IS NOT NULL;
