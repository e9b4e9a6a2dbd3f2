//! Records, bounds and small types of the escrow contract.

use crate::errors::Error;
use gb_interfaces::{
    AccountId, Balance, ChannelFacts, ChannelId, ChannelState, ServiceId, Signer, Timestamp,
};
use ink::prelude::vec::Vec;

/// Highest protocol fee the owner may set: 1000 basis points = 10 %.
pub const MAX_FEE_BPS: u16 = 1_000;
/// Basis points in one whole.
pub const BPS_DENOMINATOR: Balance = 10_000;
/// Most vouchers one `claim_batch` accepts.
pub const MAX_BATCH: usize = 50;
/// Most channels one page of `channels_of_client` / `channels_of_payee` returns.
pub const MAX_PAGE: u32 = 32;
/// Longest a channel may run from now (366 days in ms), for `open_*` and `extend`.
pub const MAX_CHANNEL_DURATION: Timestamp = 366 * 24 * 60 * 60 * 1_000;
/// `ref_time` the reputation report may use (0 would mean "all that is left"). Caps what a
/// broken or hostile reputation contract can burn of a claimer's gas.
pub const REPORT_REF_TIME_LIMIT: u64 = 20_000_000_000;
/// Proof size (bytes) the reputation report may use.
pub const REPORT_PROOF_SIZE_LIMIT: u64 = 256 * 1024;

/// The part of a channel every claim reads and writes: one storage item, kept small
/// because a claim decodes, copies and encodes it (each byte costs ref_time in the
/// contract's Wasm; docs/gas.md). The rest is [`ChannelClient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct ChannelPayment {
    /// Who is paid: the service's payee at opening time.
    pub payee: AccountId,
    /// The registry service the channel pays for.
    pub service_id: ServiceId,
    /// Scheme and public key the vouchers must be signed with.
    pub signer: Signer,
    /// Total ever locked in the channel.
    pub funds: Balance,
    /// Total paid out of it so far (the highest voucher amount claimed).
    pub claimed: Balance,
    /// Timestamp of the last successful claim, 0 if none.
    pub last_claim_at: Timestamp,
    /// Open or closed.
    pub state: ChannelState,
    /// The protocol fee (basis points) of this channel's claims: the fee in force when
    /// it opened, whatever the owner sets later (issue 18, L3).
    pub fee_bps: u16,
}

/// The part of a channel claims do not need: whose it is and until when. Read by
/// refunds, extensions, closes and reputation's channel facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct ChannelClient {
    /// Whose channel it is: gets the rest back, may extend and refund.
    pub client: AccountId,
    /// Whose balance funded the channel at opening (the client, or the third party of
    /// `open_channel_for`): the one who may rate it and whose failure it reports.
    pub payer: AccountId,
    /// From this block timestamp (ms) on the client may take the rest back.
    pub expiry: Timestamp,
    /// Since when (ms) the channel's funds are locked: the block timestamp of its
    /// opening, moved later by `add_funds` to the funds-weighted mean of when each
    /// amount came in (see [`locked_since_after`]). A channel that ends with nothing
    /// claimed reports `expiry − locked_since` as its lock duration with the failure,
    /// and reputation counts the failure in proportion to it up to a day (security
    /// review M2: a 1 ms channel records nothing, and topping up a tiny long channel
    /// just before expiry does not count as a long lock).
    pub locked_since: Timestamp,
}

/// The new `locked_since` of a channel that held `funds` locked since `since` when
/// `amount` more is added at `now`: the funds-weighted mean `since + (now − since) ·
/// amount / (funds + amount)` (floor), so `(funds + amount) · (expiry − result)` is the
/// capital-time the channel holds, as when each amount is counted from when it came
/// in. Total: a product beyond `u128` (amounts above ~10²⁷) is computed on amounts
/// shifted right by 64 bits; `now` before `since` (never on chain) changes nothing.
pub fn locked_since_after(
    since: Timestamp,
    funds: Balance,
    amount: Balance,
    now: Timestamp,
) -> Timestamp {
    let elapsed = u128::from(now.saturating_sub(since));
    let total = funds.saturating_add(amount);
    let shift = match elapsed.checked_mul(amount) {
        Some(product) => product.checked_div(total).unwrap_or(0),
        // `amount > 2⁶⁴` here, so `total >> 64 ≥ 1`.
        None => elapsed
            .saturating_mul(amount >> 64)
            .checked_div(total >> 64)
            .unwrap_or(elapsed),
    };
    // `shift ≤ elapsed`, which fits a `Timestamp`.
    since.saturating_add(Timestamp::try_from(shift).unwrap_or(Timestamp::MAX))
}

/// A payment channel as the reads return it (both stored parts together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct Channel {
    /// The channel's id (from a counter starting at 1, never reused).
    pub id: ChannelId,
    /// Whose channel it is: gets the rest back, may extend and refund.
    pub client: AccountId,
    /// Who is paid: the service's payee at opening time.
    pub payee: AccountId,
    /// The registry service the channel pays for.
    pub service_id: ServiceId,
    /// Scheme and public key the vouchers must be signed with.
    pub signer: Signer,
    /// Total ever locked in the channel.
    pub funds: Balance,
    /// Total paid out of it so far (the highest voucher amount claimed).
    pub claimed: Balance,
    /// From this block timestamp (ms) on the client may take the rest back.
    pub expiry: Timestamp,
    /// Timestamp of the last successful claim, 0 if none.
    pub last_claim_at: Timestamp,
    /// Open or closed.
    pub state: ChannelState,
    /// The protocol fee (basis points) of this channel's claims, fixed when it opened.
    pub fee_bps: u16,
    /// Whose balance funded the channel at opening (the client, or the third party of
    /// `open_channel_for`): the one who may rate it (issue 18, L9).
    pub payer: AccountId,
}

impl Channel {
    /// The channel `id` from its two stored parts.
    pub fn of(id: ChannelId, payment: &ChannelPayment, client: &ChannelClient) -> Self {
        Channel {
            id,
            client: client.client,
            payee: payment.payee,
            service_id: payment.service_id,
            signer: payment.signer,
            funds: payment.funds,
            claimed: payment.claimed,
            expiry: client.expiry,
            last_claim_at: payment.last_claim_at,
            state: payment.state,
            fee_bps: payment.fee_bps,
            payer: client.payer,
        }
    }

    /// Funds still locked: `funds − claimed` (0 once closed).
    pub fn remaining(&self) -> Balance {
        match self.state {
            ChannelState::Open => self.funds.saturating_sub(self.claimed),
            ChannelState::Closed => 0,
        }
    }

    /// What reputation needs to know about the channel.
    pub fn facts(&self) -> ChannelFacts {
        ChannelFacts {
            client: self.client,
            payer: self.payer,
            payee: self.payee,
            service_id: self.service_id,
            claimed: self.claimed,
            last_claim_at: self.last_claim_at,
            state: self.state,
        }
    }
}

/// The registry terms a client read and pins when it opens a channel with
/// `open_channel_with_terms`: if a member changed them in between (front-running the
/// open with `update_service`), the open fails instead of paying someone else or more
/// (issue 18, L5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ExpectedTerms {
    /// The payee the channel must pay; any other gives `PayeeChanged`.
    pub payee: AccountId,
    /// The highest price per call the client accepts; a higher one gives
    /// `PriceChanged` (a lower price is fine).
    pub max_price: Balance,
}

/// One voucher to claim: channel, cumulative amount, the client's signature over it
/// (SCALE-encoded as the tuple `(channel_id, amount, signature)`).
pub use gb_interfaces::Voucher;

/// Per-channel result of a batch claim: the newly claimed amount (gross, before the
/// protocol fee) or why that voucher was skipped.
pub type ClaimOutcome = core::result::Result<Balance, Error>;

/// One page of a channel listing.
#[derive(Debug, Clone, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ChannelPage {
    /// The channels at positions `cursor ..` of the listing, oldest first.
    pub channels: Vec<Channel>,
    /// Cursor of the next page, `None` at the end.
    pub next_cursor: Option<u32>,
}

/// The contract's wiring and fee settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct Config {
    /// May set the fee, the reputation contract and transfer ownership.
    pub owner: AccountId,
    /// The registry that gives the payee and active flag of a service (named so:
    /// Contracts UI reserves a field named `registry`).
    pub service_registry: AccountId,
    /// The reputation contract told about settlements; `None`: no reports.
    pub reputation: Option<AccountId>,
    /// Protocol fee, in basis points (≤ `MAX_FEE_BPS`), of the channels opened from
    /// now on (each channel keeps the fee it opened with).
    pub fee_bps: u16,
    /// Receives the protocol fees (`withdraw_fees`).
    pub treasury: AccountId,
    /// Id the next channel will get.
    pub next_channel_id: ChannelId,
    /// True if this build verifies sr25519 vouchers; false for the `escrow-ecdsa`
    /// bundle, whose channels need an ecdsa signer (clients pick their voucher key by
    /// it).
    pub sr25519_vouchers: bool,
    /// Genesis block hash of the chain this escrow was deployed for (constructor
    /// argument, fixed): every voucher (v2) signs it, so a voucher signed for another
    /// chain is refused here. Clients and gateways check it against the chain they
    /// read before they sign or accept vouchers.
    pub genesis_hash: [u8; 32],
}

/// Running totals of everything escrow owes; the contract's free balance must cover
/// `total()` at all times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Accounting {
    /// Σ internal balances.
    pub balances: Balance,
    /// Σ open channels' `funds − claimed`.
    pub locked: Balance,
    /// Protocol fees not yet withdrawn.
    pub fees: Balance,
}

impl Accounting {
    /// `balances + locked + fees` (saturating: the parts are each checked on update).
    pub fn total(&self) -> Balance {
        self.balances
            .saturating_add(self.locked)
            .saturating_add(self.fees)
    }
}

/// A final voucher for `close`: the cumulative `amount` and the client's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct FinalVoucher {
    /// Cumulative amount (plancks) the client authorizes over the channel's life.
    pub amount: Balance,
    /// The client's signature over the voucher message of this channel and amount.
    pub signature: gb_interfaces::VoucherSignature,
}

/// A channel that ended with nothing ever claimed, for
/// `ReputationOracle::report_failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The service that did not deliver.
    pub service_id: ServiceId,
    /// The channel's payer (whose funds it locked; reputation counts failures at most
    /// once per payer, service and day).
    pub client: AccountId,
    /// The funds the channel locked.
    pub locked: Balance,
    /// For how long (ms): the channel's expiry minus its `locked_since` (the expiry
    /// also when the payee closes it earlier, so closing early does not lighten the
    /// report).
    pub locked_for: Timestamp,
}

/// What a settling call (claim, batch, close, refund) leaves for `lib.rs` to carry
/// out after the state is updated: the native payout and the reputation reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Effects {
    /// Net amount (after fee) to send to the payee; 0: nothing to send.
    pub payout: Balance,
    /// Newly paid amounts, one entry per channel (empty: nothing to report).
    pub settlements: Vec<gb_interfaces::Settlement>,
    /// A channel ended with nothing claimed: report it as a failure.
    pub failure: Option<Failure>,
}

/// What happened when `lib.rs` carried out [`Effects`]: each is `None` when there was
/// nothing to do, else whether it succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Carried {
    /// The native payout transfer.
    pub payout: Option<bool>,
    /// `report_settlements`.
    pub settlements: Option<bool>,
    /// `report_failure`.
    pub failure: Option<bool>,
}
