-- CreateTable
CREATE TABLE "webhook_delivery_claim" (
    "installation_id" UUID NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "pending_events" JSONB,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_claim_pkey" PRIMARY KEY ("installation_id","delivery_id")
);

-- CreateIndex
CREATE INDEX "webhook_delivery_claim_claimed_at_idx" ON "webhook_delivery_claim"("claimed_at");
