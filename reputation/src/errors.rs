//! Every way a reputation message can fail.

// parity-scale-codec-derive 3.7.5 emits a `usize as u8` cast for enum variants with
// fields (paritytech/parity-scale-codec#747), which cargo-contract 5.0.3's mandatory
// `-D clippy::cast_possible_truncation` rejects. This module has no casts of its own.
#![allow(clippy::cast_possible_truncation)]

use gb_scoring::ParamError;

/// Errors of the reputation contract's own messages (the `ReputationOracle` messages
/// return `gb_interfaces::OracleError`). Each variant names exactly one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum Error {
    /// The caller is not the contract owner.
    NotOwner,
    /// No escrow contract is wired yet (`set_escrow`): ratings cannot be checked.
    EscrowNotSet,
    /// Stars must be 1 ..= 5.
    InvalidStars,
    /// This channel was rated already (once per channel).
    AlreadyRated,
    /// Escrow knows no channel with this id.
    ChannelNotFound,
    /// Only the channel's payer (the account that funded it: its client, or the third
    /// party of escrow's `open_channel_for`) may rate it.
    NotChannelClient,
    /// Nothing was claimed from the channel: nothing was paid, so there is nothing to rate.
    NothingClaimed,
    /// The rating window (`Params::rating_window_ms` after the channel's last claim)
    /// has closed.
    RatingWindowClosed,
    /// The caller is the service's owner, a member of its organization or its payee.
    Affiliated,
    /// No longer returned (kept so the SCALE indices of later variants stay as
    /// deployed): a full epoch used to refuse ratings, which let the first raters of a
    /// day censor later ones (security review M3); ratings are now scaled pro rata.
    EpochRatingCapReached,
    /// The call to escrow's `channel_facts` failed.
    EscrowCallFailed,
    /// The call to registry's `is_affiliated` failed.
    RegistryCallFailed,
    /// A parameter is outside its documented bounds (which one is in the payload).
    InvalidParams(ParamError),
    /// A spend counter would overflow.
    Overflow,
    // Appended last, so the SCALE indices of the older variants stay as deployed.
    /// The caller already had a rating accepted this epoch (day) for a channel paying
    /// this payee, for this or any other of the payee's services: at most one accepted
    /// rating per (client, payee, epoch). Against self-dealing and rating farms: a sock
    /// account that pays its owner through many channels adds at most one rating a day
    /// to it, however many channels it opens (market simulation: 10 % self-dealing goes
    /// from ROI +33 to −1.0, see `sim/README.md`). Nothing was recorded; the rating may
    /// be sent again in a later epoch within the rating window.
    AlreadyRatedPayeeThisEpoch,
}

/// Result of the reputation contract's own messages.
pub type Result<T> = core::result::Result<T, Error>;

impl From<gb_interfaces::NotOwner> for Error {
    fn from(_: gb_interfaces::NotOwner) -> Self {
        Error::NotOwner
    }
}

impl From<gb_scoring::Refusal> for Error {
    fn from(r: gb_scoring::Refusal) -> Self {
        use gb_scoring::Refusal as R;
        match r {
            R::InvalidStars => Error::InvalidStars,
            R::NotChannelClient => Error::NotChannelClient,
            R::NothingClaimed => Error::NothingClaimed,
            R::RatingWindowClosed => Error::RatingWindowClosed,
            R::AlreadyRatedPayeeThisEpoch => Error::AlreadyRatedPayeeThisEpoch,
            R::Affiliated => Error::Affiliated,
            R::Overflow => Error::Overflow,
        }
    }
}
