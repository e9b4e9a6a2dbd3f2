//! Off-chain verification, the mirror of escrow's `verify.rs` (its acceptance rules are
//! the specification; escrow's differential property test holds the two together):
//!
//! * sr25519: over the 106-byte v2 message (signing context `substrate`), and, if that
//!   fails, over `<Bytes>` ‖ message ‖ `</Bytes>`.
//! * ecdsa: recovery id (byte 64) in 0..=3 or 27..=30 (Ethereum style, minus 27), the
//!   key recovered from `blake2_256(message)`, compressed, equal to the channel's.
//! * the signer rule of escrow's `check_signer` (applied when a channel is opened, so
//!   no channel has a signer that breaks it): not the all-zero sr25519 identity, an
//!   ecdsa key is a compressed secp256k1 point.

use gb_interfaces::{
    voucher_message, wrapped_voucher_message, Signer, Voucher, VoucherDomain, VoucherSignature,
    VOUCHER_LEN,
};
use sp_core::crypto::Pair as _;
use sp_core::{ecdsa, sr25519};

/// Why a voucher is refused; the variants are named after escrow's errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// The signature's scheme (sr25519 or ecdsa) is not the signer's.
    #[error("scheme mismatch: the signature's scheme (sr25519 or ecdsa) is not the signer's")]
    SchemeMismatch,
    /// The signature does not cover this chain, escrow, channel id and amount for this
    /// signer (a v1 voucher, which has no chain, is refused so too).
    #[error(
        "invalid signature: it does not cover this chain, escrow, channel id and amount for this signer"
    )]
    InvalidSignature,
    /// The signer key is degenerate (the all-zero sr25519 identity, for which anyone
    /// can forge a signature) or not a compressed secp256k1 point; escrow refuses to
    /// open a channel for it.
    #[error(
        "invalid signer key: not the all-zero sr25519 key, and an ecdsa key must be a compressed secp256k1 point (33 bytes, first byte 0x02 or 0x03)"
    )]
    InvalidSignerKey,
}

/// `Ok(())` if `voucher` is a valid v2 voucher of `signer` for the escrow contract
/// `domain.escrow` on the chain `domain.genesis_hash`: exactly what that escrow accepts
/// on a claim of a channel with this signer (if its `config().genesis_hash` is
/// `domain.genesis_hash`). Does not check amounts against a channel's funds or claimed
/// total: that is the caller's (and escrow's) business.
///
/// Errors: `InvalidSignerKey`, `SchemeMismatch`, `InvalidSignature`.
pub fn verify(
    signer: &Signer,
    domain: &VoucherDomain,
    voucher: &Voucher,
) -> Result<(), VoucherError> {
    let message = voucher_message(domain, voucher.channel_id, voucher.amount);
    verify_message(signer, &message, &voucher.signature)
}

/// [`verify`] for an already built v2 `message`.
pub fn verify_message(
    signer: &Signer,
    message: &[u8; VOUCHER_LEN],
    signature: &VoucherSignature,
) -> Result<(), VoucherError> {
    check_signer(signer)?;
    let valid = match (signer, signature) {
        (Signer::Sr25519(key), VoucherSignature::Sr25519(sig)) => sr25519_valid(key, message, sig),
        (Signer::Ecdsa(key), VoucherSignature::Ecdsa(sig)) => ecdsa_valid(key, message, sig),
        _ => return Err(VoucherError::SchemeMismatch),
    };
    valid.then_some(()).ok_or(VoucherError::InvalidSignature)
}

/// Escrow's signer rule (its `check_signer`, issue 18 L2): the key must not be
/// degenerate (`Signer::has_degenerate_key`: the all-zero sr25519 identity, for which
/// anyone can forge a signature; an ecdsa key without the compressed prefix 2 or 3),
/// and an ecdsa key must decompress to a secp256k1 point (checked with k256, the
/// library behind the chain's `ecdsa_to_eth_address` that escrow asks). Any other 32
/// bytes are an sr25519 signer (a key that is no curve point verifies nothing).
/// Errors: `InvalidSignerKey`.
pub fn check_signer(signer: &Signer) -> Result<(), VoucherError> {
    if signer.has_degenerate_key() {
        return Err(VoucherError::InvalidSignerKey);
    }
    match signer {
        Signer::Ecdsa(key) if k256::PublicKey::from_sec1_bytes(key).is_err() => {
            Err(VoucherError::InvalidSignerKey)
        }
        _ => Ok(()),
    }
}

fn sr25519_valid(key: &[u8; 32], message: &[u8; VOUCHER_LEN], sig: &[u8; 64]) -> bool {
    let public = sr25519::Public::from_raw(*key);
    let sig = sr25519::Signature::from_raw(*sig);
    sr25519::Pair::verify(&sig, message, &public)
        || sr25519::Pair::verify(&sig, wrapped_voucher_message(message), &public)
}

fn ecdsa_valid(key: &[u8; 33], message: &[u8; VOUCHER_LEN], sig: &[u8; 65]) -> bool {
    let mut normalized = *sig;
    normalized[64] = match sig[64] {
        v @ 0..=3 => v,
        v @ 27..=30 => v - 27,
        _ => return false,
    };
    let hash = sp_core::hashing::blake2_256(message);
    ecdsa::Signature::from_raw(normalized)
        .recover_prehashed(&hash)
        .is_some_and(|recovered| recovered.0 == *key)
}
