//! Events of the escrow contract: one for every state change. Topics are the ids and
//! accounts people filter by; each topic is a storage write of the chain (docs/gas.md),
//! so per-channel lists (`Claimed`) carry none.

use gb_interfaces::{AccountId, Balance, ChannelId, ServiceId, Signer, Timestamp};
use ink::prelude::vec::Vec;

pub use gb_interfaces::OwnershipTransferred;

/// `amount` was deposited to `account`'s internal balance.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposited {
    /// Whose balance grew.
    #[ink(topic)]
    pub account: AccountId,
    /// The value sent with the call.
    pub amount: Balance,
}

/// `amount` left `account`'s internal balance for its native account.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    /// Whose balance shrank (and who received the transfer).
    #[ink(topic)]
    pub account: AccountId,
    /// The amount transferred.
    pub amount: Balance,
}

/// `amount` moved between internal balances.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferred {
    /// The sender.
    #[ink(topic)]
    pub from: AccountId,
    /// The recipient.
    #[ink(topic)]
    pub to: AccountId,
    /// The amount moved.
    pub amount: Balance,
}

/// A channel was opened; `payer` funded it (the client itself or a third party).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOpened {
    /// The new channel.
    #[ink(topic)]
    pub channel_id: ChannelId,
    /// Whose channel it is (refunds, extensions).
    #[ink(topic)]
    pub client: AccountId,
    /// Who the channel pays.
    #[ink(topic)]
    pub payee: AccountId,
    /// The service it pays for.
    pub service_id: ServiceId,
    /// Whose balance funded it.
    pub payer: AccountId,
    /// The key its vouchers must be signed with.
    pub signer: Signer,
    /// The amount locked.
    pub funds: Balance,
    /// From when (ms) the client may take the rest back.
    pub expiry: Timestamp,
}

/// `amount` was added to a channel by `by`; `funds` is the new total.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundsAdded {
    /// The channel.
    #[ink(topic)]
    pub channel_id: ChannelId,
    /// Whose balance paid.
    #[ink(topic)]
    pub by: AccountId,
    /// The amount added.
    pub amount: Balance,
    /// The channel's funds now.
    pub funds: Balance,
}

/// The client moved a channel's expiry forward.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelExtended {
    /// The channel.
    #[ink(topic)]
    pub channel_id: ChannelId,
    /// The new expiry (ms).
    pub expiry: Timestamp,
}

/// What one voucher did to its channel, as [`Claimed`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ChannelClaim {
    /// The channel the voucher paid from.
    pub channel_id: ChannelId,
    /// The channel's new cumulative claimed total (the voucher's amount).
    pub claimed: Balance,
    /// The increase over the previous total (gross).
    pub paid: Balance,
    /// The protocol's share of `paid`.
    pub fee: Balance,
}

/// The payee claimed vouchers in one call (`claim`, `claim_batch`, or `close` with a
/// final voucher): one entry per voucher that paid, in order (a channel claimed twice
/// in one batch appears twice). The payee received `paid − fee` natively in the same
/// call, or on its internal balance if a `PayoutCredited` event follows.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The payee of every listed channel (the caller).
    #[ink(topic)]
    pub payee: AccountId,
    /// Each voucher that paid.
    pub claims: Vec<ChannelClaim>,
    /// Σ `paid` of the claims.
    pub paid: Balance,
    /// Σ `fee` of the claims.
    pub fee: Balance,
}

/// The native payout of a claiming call failed (e.g. below the existential deposit of
/// a new account), so `amount` (its `Claimed` event's `paid − fee`) was credited to
/// the payee's internal balance instead (`withdraw` it later).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutCredited {
    /// The payee.
    #[ink(topic)]
    pub payee: AccountId,
    /// The amount credited.
    pub amount: Balance,
}

/// The payee closed the channel; `refunded` went to the client's internal balance.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelClosed {
    /// The channel.
    #[ink(topic)]
    pub channel_id: ChannelId,
    /// Its client.
    #[ink(topic)]
    pub client: AccountId,
    /// Total claimed over the channel's life.
    pub claimed: Balance,
    /// What went back to the client.
    pub refunded: Balance,
}

/// The client took the rest of an expired channel back to its internal balance.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRefunded {
    /// The channel.
    #[ink(topic)]
    pub channel_id: ChannelId,
    /// Its client.
    #[ink(topic)]
    pub client: AccountId,
    /// Total claimed over the channel's life.
    pub claimed: Balance,
    /// What went back to the client.
    pub refunded: Balance,
}

/// Which report to reputation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum ReportKind {
    /// `report_settlements`.
    Settlements,
    /// `report_failure`.
    Failure,
}

/// A report to reputation failed; the settlement itself went through.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationReportFailed {
    /// The reputation contract called.
    #[ink(topic)]
    pub reputation: AccountId,
    /// Which report.
    pub kind: ReportKind,
}

/// The treasury withdrew the protocol fees held.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeesWithdrawn {
    /// The treasury (the caller).
    #[ink(topic)]
    pub treasury: AccountId,
    /// The amount transferred.
    pub amount: Balance,
}

/// The owner set the protocol fee and treasury.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeChanged {
    /// The fee (basis points) of the channels opened from now on; open channels keep
    /// the fee they opened with.
    pub fee_bps: u16,
    /// Who may withdraw the fees now.
    #[ink(topic)]
    pub treasury: AccountId,
}

/// The owner wired (or rewired) the reputation contract.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationSet {
    /// The previous reputation contract, if any.
    pub previous: Option<AccountId>,
    /// The reputation contract now reported to.
    #[ink(topic)]
    pub reputation: AccountId,
}

/// Any escrow event, as returned by the logic for `lib.rs` to emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Deposited(Deposited),
    Withdrawn(Withdrawn),
    Transferred(Transferred),
    ChannelOpened(ChannelOpened),
    FundsAdded(FundsAdded),
    ChannelExtended(ChannelExtended),
    Claimed(Claimed),
    PayoutCredited(PayoutCredited),
    ChannelClosed(ChannelClosed),
    ChannelRefunded(ChannelRefunded),
    ReputationReportFailed(ReputationReportFailed),
    FeesWithdrawn(FeesWithdrawn),
    FeeChanged(FeeChanged),
    ReputationSet(ReputationSet),
    OwnershipTransferred(OwnershipTransferred),
}
