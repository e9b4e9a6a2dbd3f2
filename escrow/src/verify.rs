//! Voucher signature verification (DESIGN.md §3).
//!
//! * sr25519: `ink::env::sr25519_verify` (signing context `substrate`) over the 106-byte
//!   v2 message (`gb_interfaces::voucher`: the chain's genesis hash, this escrow, the
//!   channel and the cumulative amount), and, if that fails, over `<Bytes>` ‖ message ‖ `</Bytes>` (what browser
//!   wallets' `signRaw` signs).
//! * ecdsa: `ink::env::ecdsa_recover` over `blake2_256(message)`, the recovered
//!   compressed key compared with the channel's.
//!
//! Only v2 is accepted: a v1 signature (no chain) does not cover the v2 message and is
//! refused as `InvalidSignature`. The logic takes a [`VoucherVerifier`], so tests can
//! swap in a fast fake.
//! Built with feature `ecdsa-only` (the `escrow-ecdsa` bundle: for a runtime that does
//! not offer the `sr25519_verify` host function, which would refuse the code's upload)
//! sr25519 is refused with [`Error::SchemeUnsupported`], never accepted.

use crate::errors::{Error, Result};
use gb_interfaces::{Signer, VoucherSignature, VOUCHER_LEN};

/// True if this build can verify sr25519 vouchers.
pub const SR25519_SUPPORTED: bool = cfg!(not(feature = "ecdsa-only"));

/// Checks a voucher signature.
pub trait VoucherVerifier {
    /// `Ok(())` if `signature` by `signer` covers the v2 voucher `message`.
    ///
    /// Errors: `SchemeMismatch`, `SchemeUnsupported`, `InvalidSignature`.
    fn verify(
        &self,
        signer: &Signer,
        message: &[u8; VOUCHER_LEN],
        signature: &VoucherSignature,
    ) -> Result<()>;
}

/// The verifier the contract uses: the chain's host functions.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChainVerifier;

impl VoucherVerifier for ChainVerifier {
    fn verify(
        &self,
        signer: &Signer,
        message: &[u8; VOUCHER_LEN],
        signature: &VoucherSignature,
    ) -> Result<()> {
        match (signer, signature) {
            (Signer::Sr25519(key), VoucherSignature::Sr25519(sig)) => {
                verify_sr25519(key, message, sig)
            }
            (Signer::Ecdsa(key), VoucherSignature::Ecdsa(sig)) => verify_ecdsa(key, message, sig),
            _ => Err(Error::SchemeMismatch),
        }
    }
}

#[cfg(not(feature = "ecdsa-only"))]
fn verify_sr25519(key: &[u8; 32], message: &[u8; VOUCHER_LEN], sig: &[u8; 64]) -> Result<()> {
    if ink::env::sr25519_verify(sig, message, key).is_ok() {
        return Ok(());
    }
    let wrapped = gb_interfaces::wrapped_voucher_message(message);
    ink::env::sr25519_verify(sig, &wrapped, key).map_err(|_| Error::InvalidSignature)
}

#[cfg(feature = "ecdsa-only")]
fn verify_sr25519(_key: &[u8; 32], _message: &[u8; VOUCHER_LEN], _sig: &[u8; 64]) -> Result<()> {
    Err(Error::SchemeUnsupported)
}

fn verify_ecdsa(key: &[u8; 33], message: &[u8; VOUCHER_LEN], sig: &[u8; 65]) -> Result<()> {
    // Recovery id: 0..=3, or 27..=30 (Ethereum style). Anything else cannot recover;
    // refusing it here also keeps ink's off-chain test engine from panicking on it.
    let v = sig[64];
    if !(v <= 3 || (27..=30).contains(&v)) {
        return Err(Error::InvalidSignature);
    }
    let mut hash = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(message, &mut hash);
    let mut recovered = [0u8; 33];
    ink::env::ecdsa_recover(sig, &hash, &mut recovered).map_err(|_| Error::InvalidSignature)?;
    if &recovered == key {
        Ok(())
    } else {
        Err(Error::InvalidSignature)
    }
}

/// `Ok` if `signer` may be a channel's signer: sr25519 needs the host function
/// (errors `SchemeUnsupported` otherwise); the key must not be degenerate
/// ([`Signer::has_degenerate_key`]: the all-zero sr25519 identity, for which anyone can
/// forge a signature, or an ecdsa key without the compressed prefix 2 or 3); an ecdsa
/// key must decompress to a secp256k1 point (the chain's `ecdsa_to_eth_address`, a
/// stable host function, decompresses it). Errors: `SchemeUnsupported`,
/// `InvalidSignerKey`. `gb_voucher::check_signer` applies the same rule off chain.
pub fn check_signer(signer: &Signer) -> Result<()> {
    if matches!(signer, Signer::Sr25519(_)) && !SR25519_SUPPORTED {
        return Err(Error::SchemeUnsupported);
    }
    if signer.has_degenerate_key() {
        return Err(Error::InvalidSignerKey);
    }
    match signer {
        Signer::Sr25519(_) => Ok(()),
        Signer::Ecdsa(key) => {
            let mut eth_address = [0u8; 20];
            ink::env::ecdsa_to_eth_address(key, &mut eth_address)
                .map_err(|_| Error::InvalidSignerKey)
        }
    }
}

#[cfg(test)]
mod tests;
// Off-chain `gb_voucher::verify` == this module, for random keys and vouchers.
#[cfg(all(test, not(feature = "ecdsa-only")))]
mod differential_tests;
