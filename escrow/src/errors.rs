//! Everything escrow can refuse, one variant per reason.

/// Why an escrow call was refused. A message that returns an error reverts all of its
/// state changes (and any value sent with it); inside `claim_batch` a per-channel error
/// only skips that channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum Error {
    /// The caller is not the contract owner.
    NotOwner,
    /// The caller is not the treasury (only it may withdraw protocol fees).
    NotTreasury,
    /// A state-changing message was entered while escrow is calling out (registry read,
    /// payout, reputation report): reentrancy is refused.
    Reentrant,
    /// An amount, counter or running total would overflow (or underflow).
    Overflow,
    /// An amount of zero where a positive amount is required.
    ZeroAmount,
    /// The caller's internal balance is lower than the amount.
    InsufficientBalance,
    /// The native transfer out of the contract failed (e.g. it would leave the
    /// recipient below the existential deposit).
    TransferFailed,
    /// The protocol fee is above `MAX_FEE_BPS`.
    FeeTooHigh,
    /// The registry does not know the service (never registered or deleted).
    ServiceNotFound,
    /// The service is delisted: no new channels may be opened for it.
    ServiceInactive,
    /// The call to the registry failed (trapped, reverted or returned garbage).
    RegistryCallFailed,
    /// The expiry is not in the future.
    ExpiryInPast,
    /// The expiry is more than `MAX_CHANNEL_DURATION` after now.
    ExpiryTooFar,
    /// `extend` must move the expiry forward.
    ExpiryNotLater,
    /// No channel has this id.
    ChannelNotFound,
    /// The channel is closed (closed by the payee or refunded by the client).
    ChannelClosed,
    /// The caller is not the channel's client.
    NotClient,
    /// The caller is not the channel's payee.
    NotPayee,
    /// The signature does not verify for this channel's signer over the v2 voucher
    /// message (this chain, this escrow, this channel, this amount). A signature made
    /// for another channel, amount, escrow deployment or chain, or over the superseded
    /// v1 message, fails with this error too: the message it covers differs, and which
    /// one it covered cannot be known.
    InvalidSignature,
    /// The signature's scheme (sr25519 / ecdsa) is not the channel signer's scheme.
    SchemeMismatch,
    /// This build of escrow cannot verify the scheme (built with feature `ecdsa-only`
    /// for a runtime without the `sr25519_verify` host function).
    SchemeUnsupported,
    /// The signer key cannot be a channel's: the all-zero sr25519 key (the Ristretto
    /// identity, for which anyone can forge a signature), or an ecdsa key that is not a
    /// compressed secp256k1 point (first byte 2 or 3, x on the curve).
    InvalidSignerKey,
    /// The voucher's cumulative amount is not above what was already claimed (a stale or
    /// replayed voucher).
    AmountNotAboveClaimed,
    /// The voucher's cumulative amount is above the channel's funds.
    AmountExceedsFunds,
    /// The client may only take the funds back once the channel has expired.
    NotExpired,
    /// More claims in one batch than `MAX_BATCH`.
    BatchTooLarge,
    /// `open_channel_with_terms`: the service's payee is not the one the client
    /// expected (it was changed after the client read it).
    PayeeChanged,
    /// `open_channel_with_terms`: the service's price is above the highest the client
    /// accepts (it was raised after the client read it).
    PriceChanged,
}

/// Result of every escrow operation.
pub type Result<T> = core::result::Result<T, Error>;

impl From<gb_interfaces::NotOwner> for Error {
    fn from(_: gb_interfaces::NotOwner) -> Self {
        Error::NotOwner
    }
}
