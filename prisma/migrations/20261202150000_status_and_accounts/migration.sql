-- AlterTable
ALTER TABLE "account_provisioning" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "grants" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "grants_applied_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_error" TEXT;

-- AlterTable
ALTER TABLE "channel_installation" ALTER COLUMN "agent_id" DROP NOT NULL;

-- CreateTable
CREATE TABLE "channel_installation_status" (
    "installation_id" UUID NOT NULL,
    "state" TEXT NOT NULL,
    "lease_holder" TEXT,
    "reported_by" TEXT NOT NULL,
    "last_inbound_at" TIMESTAMPTZ(3),
    "last_outbound_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "last_error_hint" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "reconnect_count" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_installation_status_pkey" PRIMARY KEY ("installation_id")
);

-- CreateIndex
CREATE INDEX "account_provisioning_installation_id_state_idx" ON "account_provisioning"("installation_id", "state");

-- AddForeignKey
ALTER TABLE "channel_installation_status" ADD CONSTRAINT "channel_installation_status_installation_id_fkey" FOREIGN KEY ("installation_id") REFERENCES "channel_installation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
