//! Where vouchers, charges, idempotency records and claims are made durable.
//!
//! A [`Store`] applies a batch of [`Op`]s in order, all or nothing, in **one** durable
//! transaction (one fsync): the group-commit writer ([`crate::writer`]) hands it every
//! write that queued up while the previous commit ran. The store is the authority on
//! each channel's ledger: a [`Op::Charge`] is applied only if the voucher (or credit
//! already paid) covers it *in the store*, which is what keeps several replicas sharing
//! one PostgreSQL ledger from spending the same credit twice.
//!
//! * [`sqlite::SqliteStore`]: embedded, one gateway process (WAL, `synchronous=FULL`,
//!   exclusive lock on the file).
//! * `postgres::PostgresStore` (feature `postgres`): several replicas.

#[cfg(feature = "testkit")]
pub mod faulty;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;

use crate::channel::{LedgerValues, OnChain};
use gb_interfaces::{Balance, ChannelId, VoucherSignature};
use serde::{Deserialize, Serialize};

/// What a store is bound to: a store of another chain, escrow or service is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub genesis: [u8; 32],
    pub escrow: [u8; 32],
    pub service_id: u64,
}

impl Binding {
    /// The text stored and compared.
    pub fn text(&self) -> String {
        format!(
            "genesis=0x{} escrow=0x{} service={}",
            hex::encode(self.genesis),
            hex::encode(self.escrow),
            self.service_id
        )
    }
}

/// A new `Idempotency-Key` recorded with a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    pub key: String,
    /// Method and path with query.
    pub fingerprint: String,
    /// A record older than this (ms since the epoch) counts as absent.
    pub expired_before_ms: u64,
    /// The replica serving the call.
    pub replica: String,
}

/// One write.
#[derive(Debug, Clone)]
pub enum Op {
    /// A verified voucher and the charge of one call: raises the channel's accepted
    /// amount to `amount` (with its signature) if higher, then — unless the key is in
    /// use — charges `price` if `max(accepted, amount) ≥ spent + price`.
    Charge {
        channel: ChannelId,
        amount: Balance,
        signature: VoucherSignature,
        price: Balance,
        key: Option<NewKey>,
        at_ms: u64,
    },
    /// Gives back `price` of a call that failed upstream (and frees its key).
    Refund {
        channel: ChannelId,
        price: Balance,
        key: Option<String>,
    },
    /// The call of a key completed: keep its response for replays (`None`: not kept).
    Complete {
        channel: ChannelId,
        key: String,
        response: Option<StoredResponse>,
    },
    /// The chain's facts about a channel (first sight, events).
    Channel { channel: ChannelId, chain: OnChain },
    /// A claim is about to be submitted: what it claims.
    ClaimIntent {
        vouchers: Vec<(ChannelId, Balance)>,
        at_ms: u64,
    },
    /// The outcome of a claim: the channels' claimed totals as the chain now says
    /// (`ok` false: the transaction failed, `note` says why).
    ClaimDone {
        claim: u64,
        claimed: Vec<(ChannelId, Balance)>,
        ok: bool,
        note: String,
        at_ms: u64,
    },
    /// Deletes idempotency records older than `before_ms`.
    Prune { before_ms: u64 },
}

/// The result of one [`Op`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A charge's result, with the channel's ledger after it.
    Charge(ChargeResult, LedgerValues),
    /// A refund, with the channel's ledger after it.
    Refunded(LedgerValues),
    /// A claim intent's id.
    Claim(u64),
    /// Any other write.
    Done,
}

/// What a [`Op::Charge`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeResult {
    /// Charged `price`.
    Charged,
    /// Not charged: `max(accepted, amount) < spent + price` in the store.
    Stale,
    /// Not charged: the key is in use.
    KeyInUse(KeyRecord),
    /// Not charged: the key's call was interrupted (a crash after its charge); it is in
    /// flight again, to be forwarded once more on the earlier charge.
    Resumed { charged: Balance },
}

/// An `Idempotency-Key` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub fingerprint: String,
    pub state: KeyState,
    /// What its call was charged.
    pub charged: Balance,
}

/// Where a key's call is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    InFlight,
    /// In flight when its gateway stopped (a crash): a retry resumes it.
    Interrupted,
    /// Completed; the response if it was kept.
    Done(Option<StoredResponse>),
}

/// A response kept for replays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    /// Header names and values (values that are not visible ASCII are not kept).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A channel as the store has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChannel {
    pub id: ChannelId,
    pub ledger: LedgerValues,
    /// The signature of `ledger.accepted`.
    pub signature: Option<VoucherSignature>,
    /// The chain's facts as last recorded.
    pub chain: Option<OnChain>,
    /// When the oldest voucher not yet claimed was accepted (ms).
    pub unclaimed_since: Option<u64>,
}

impl StoredChannel {
    /// Accepted but not claimed yet.
    pub fn unclaimed(&self) -> Balance {
        let claimed = self.chain.as_ref().map_or(0, |c| c.claimed);
        self.ledger.accepted.saturating_sub(claimed)
    }
}

/// A claim intent not known to be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    pub id: u64,
    pub vouchers: Vec<(ChannelId, Balance)>,
    pub at_ms: u64,
}

/// A store failed: nothing of the batch was applied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store belongs to another chain, escrow or service.
    #[error("the store is bound to {found}, but this gateway serves {expected}; use another store file or database")]
    Binding { found: String, expected: String },
    /// Data in the store that this version cannot read.
    #[error("store data: {0}")]
    Corrupt(String),
    /// The writer has stopped (shutdown).
    #[error("the store writer has stopped")]
    Closed,
}

/// A durable store.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;

    /// True if other gateway processes may write the same ledger (then the in-memory
    /// ledger can lag: a refusal is checked against the store first).
    fn shared(&self) -> bool;

    /// Checks (or records, on first use) the binding, and marks this replica's keys
    /// still in flight as interrupted (they were in flight when it stopped).
    async fn open(&self, binding: &Binding, replica: &str) -> Result<(), StoreError>;

    /// Applies `ops` in order in one durable transaction; one outcome per op.
    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<Outcome>, StoreError>;

    /// Every channel with a ledger or recorded facts.
    async fn channels(&self) -> Result<Vec<StoredChannel>, StoreError>;

    /// One channel.
    async fn channel(&self, id: ChannelId) -> Result<Option<StoredChannel>, StoreError>;

    /// Channels with accepted > claimed, open as last recorded.
    async fn claimable(&self) -> Result<Vec<StoredChannel>, StoreError>;

    /// Claim intents not marked done.
    async fn open_claims(&self) -> Result<Vec<ClaimRecord>, StoreError>;
}

/// SCALE bytes of a signature, as stored.
pub(crate) fn encode_signature(s: &VoucherSignature) -> Vec<u8> {
    scale::Encode::encode(s)
}

pub(crate) fn decode_signature(bytes: &[u8]) -> Result<VoucherSignature, StoreError> {
    scale::Decode::decode(&mut &bytes[..])
        .map_err(|e| StoreError::Corrupt(format!("signature: {e}")))
}

pub(crate) fn encode_signer(s: &gb_interfaces::Signer) -> Vec<u8> {
    scale::Encode::encode(s)
}

pub(crate) fn decode_signer(bytes: &[u8]) -> Result<gb_interfaces::Signer, StoreError> {
    scale::Decode::decode(&mut &bytes[..]).map_err(|e| StoreError::Corrupt(format!("signer: {e}")))
}
