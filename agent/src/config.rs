//! The agent's policies, with their defaults.

use crate::budget::BudgetPolicy;
use crate::discover::SelectionPolicy;
use gb_chain::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How channels are sized and kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelPolicy {
    /// A new channel, or a top-up, holds this many calls at the service's price.
    pub calls_per_channel: u32,
    /// A new channel (or an extension) runs this long (ms).
    pub duration_ms: Timestamp,
    /// A channel is reused only while it has this long left (ms), and extended when it
    /// has less. Gateways refuse channels near expiry (their `minExpiryMarginMs`); the
    /// larger of the two is used.
    pub min_remaining_ms: Timestamp,
}

impl Default for ChannelPolicy {
    fn default() -> Self {
        ChannelPolicy {
            calls_per_channel: 100,
            duration_ms: 7 * 24 * 3_600_000,
            min_remaining_ms: 3_600_000,
        }
    }
}

/// How calls are paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayPolicy {
    /// Never sign more than this many calls' worth ahead of what the gateway
    /// acknowledged (the most a gateway that stops serving can take; also the block in
    /// which the durable ceiling rises: one fsync per this many calls).
    pub max_ahead_calls: u32,
    /// Attempts per call on transport errors and transient gateway refusals (the same
    /// voucher and `Idempotency-Key` each time).
    pub attempts: u32,
    /// Pause before the first retry (ms); doubles each time.
    pub retry_backoff_ms: u64,
    /// Whole-request timeout (ms).
    pub timeout_ms: u64,
}

impl Default for PayPolicy {
    fn default() -> Self {
        PayPolicy {
            max_ahead_calls: 32,
            attempts: 4,
            retry_backoff_ms: 100,
            timeout_ms: 120_000,
        }
    }
}

/// Everything an [`crate::Agent`] is configured with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// The local store (SQLite); one per deployment and account.
    pub store_path: PathBuf,
    pub budget: BudgetPolicy,
    pub selection: SelectionPolicy,
    pub channels: ChannelPolicy,
    pub pay: PayPolicy,
}

impl AgentConfig {
    /// Defaults with the store at `store_path`.
    pub fn new(store_path: impl Into<PathBuf>) -> Self {
        AgentConfig {
            store_path: store_path.into(),
            budget: BudgetPolicy::default(),
            selection: SelectionPolicy::default(),
            channels: ChannelPolicy::default(),
            pay: PayPolicy::default(),
        }
    }
}
