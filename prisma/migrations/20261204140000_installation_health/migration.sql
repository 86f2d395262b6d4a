-- AlterTable
ALTER TABLE "channel_installation_status" ADD COLUMN     "credentials_refused_at" TIMESTAMPTZ(3),
ADD COLUMN     "credentials_refused_error" TEXT,
ADD COLUMN     "stale_since" TIMESTAMPTZ(3),
ADD COLUMN     "signature_failures" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "signature_window_started_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_signature_failure_at" TIMESTAMPTZ(3),
ADD COLUMN     "problems" JSONB NOT NULL DEFAULT '[]';
