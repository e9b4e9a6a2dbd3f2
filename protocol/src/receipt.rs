//! The receipt of a paid call (`PAYMENT-RESPONSE`).

use crate::account::Account;
use gb_interfaces::serde_fmt::decimal;
use gb_interfaces::{Balance, ChannelId};
use serde::{Deserialize, Serialize};

/// Header `PAYMENT-RESPONSE` (base64 JSON) on every response to an accepted voucher,
/// including a replayed response and an upstream failure that was refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResponse {
    /// True: the voucher was accepted and is durable at the gateway.
    pub success: bool,
    /// The claim transaction; empty until the voucher is claimed on chain (claims are
    /// batched later: `batch-settlement`).
    pub transaction: String,
    /// [`crate::network_id`] of the chain.
    pub network: String,
    /// The channel's client (whose funds pay).
    pub payer: Account,
    /// The channel's ledger after this call.
    pub receipt: Receipt,
}

/// What a call cost and where the channel stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub channel_id: ChannelId,
    /// The highest voucher amount the gateway holds (durable).
    #[serde(with = "decimal")]
    pub accepted_cumulative: Balance,
    /// Total charged for calls on this channel (durable).
    #[serde(with = "decimal")]
    pub spent: Balance,
    /// What this call cost: the price, or `0` (refunded upstream failure, or a replay
    /// of a call already paid).
    #[serde(with = "decimal")]
    pub charged: Balance,
    /// `funds − spent`: what the channel can still pay for.
    #[serde(with = "decimal")]
    pub remaining: Balance,
    /// What the next call's voucher must reach (`spent + price`, calls in flight
    /// aside).
    #[serde(with = "decimal")]
    pub required_cumulative: Balance,
    /// Paid out to the payee so far (on chain).
    #[serde(with = "decimal")]
    pub claimed_on_chain: Balance,
    /// The channel's expiry (ms since the Unix epoch, chain time).
    pub expiry: u64,
    /// True if this response is the stored response of an earlier call with the same
    /// `Idempotency-Key` (nothing was charged or forwarded).
    pub replayed: bool,
}
