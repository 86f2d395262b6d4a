-- AlterTable
ALTER TABLE "account_provisioning" ADD COLUMN     "attempt_claimed_at" TIMESTAMPTZ(3);
