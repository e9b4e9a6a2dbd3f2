//! Differential property test: gb-voucher's off-chain `verify` (what the gateway and
//! the SDK run) agrees with what escrow does on chain, `check_signer` when the channel
//! is opened and then `ChainVerifier` (ink's off-chain engine, which implements
//! `sr25519_verify` and `ecdsa_recover`) on every claim: the same `Ok`, or the same
//! error. Random sr25519 and ecdsa keys (from random seeds), chains (genesis hashes),
//! escrow addresses, channel ids and amounts, each with one mutation from `Mutation`; every case also checks the
//! outcome the mutation must have, so that the two cannot agree by both being wrong.
//!
//! Off-chain limitation: the engine panics on an ecdsa signature whose r or s is not
//! below the curve order (the chain returns an error), so garbage ecdsa signatures have
//! r and s below 2^255. More cases: `GB_VOUCHER_DIFF_CASES=20000 cargo test -p escrow
//! differential`.

use super::{check_signer, ChainVerifier, VoucherVerifier};
use crate::data::tests::proptest_config;
use crate::errors::Error;
use gb_interfaces::voucher::v1;
use gb_interfaces::{
    voucher_message, wrapped_voucher_message, Balance, ChannelId, Signer, Voucher, VoucherDomain,
    VoucherSignature, BYTES_PREFIX,
};
use gb_voucher::{VoucherError, VoucherKey, VoucherSigner};
use proptest::prelude::*;

/// A verification outcome, in gb-voucher's terms.
type Outcome = Result<(), VoucherError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Sr25519,
    Ecdsa,
}

/// What is done to a valid voucher (or its channel's signer) before both verify it.
#[derive(Debug, Clone)]
enum Mutation {
    /// Nothing: a valid voucher.
    None,
    /// Signed by another key (from this seed) of the same scheme.
    OtherKey([u8; 32]),
    /// The signature covers `channel ^ mask` (mask ≠ 0).
    OtherChannel(ChannelId),
    /// The signature covers `amount ^ mask` (mask ≠ 0).
    OtherAmount(Balance),
    /// The signature covers an escrow address with byte `i` xor-ed by `mask` (≠ 0).
    OtherEscrow(usize, u8),
    /// The signature covers a genesis hash with byte `i` xor-ed by `mask` (≠ 0): the
    /// same escrow address on another chain (issue 18 L8).
    OtherChain(usize, u8),
    /// The signature covers the superseded v1 message (no chain), plain or wrapped.
    V1(bool),
    /// Signed over `<Bytes>` ‖ message ‖ `</Bytes>` (a browser wallet's `signRaw`).
    Wrapped,
    /// Signed over `<Bytes>` ‖ message (no suffix).
    HalfWrapped,
    /// One bit of the signature flipped (bit index modulo the signature's bits).
    FlipBit(usize),
    /// ecdsa: byte 64 (the recovery id) set to this value.
    RecoveryId(u8),
    /// Signed by the same seed's key of the other scheme.
    OtherScheme,
    /// The channel's signer key with this first byte.
    SignerFirstByte(u8),
    /// Random signature bytes of the right scheme.
    Garbage([u8; 65]),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::None),
        any::<[u8; 32]>().prop_map(Mutation::OtherKey),
        (1..=ChannelId::MAX).prop_map(Mutation::OtherChannel),
        (1..=Balance::MAX).prop_map(Mutation::OtherAmount),
        (0..32usize, 1..=u8::MAX).prop_map(|(i, m)| Mutation::OtherEscrow(i, m)),
        (0..32usize, 1..=u8::MAX).prop_map(|(i, m)| Mutation::OtherChain(i, m)),
        any::<bool>().prop_map(Mutation::V1),
        Just(Mutation::Wrapped),
        Just(Mutation::HalfWrapped),
        any::<usize>().prop_map(Mutation::FlipBit),
        any::<u8>().prop_map(Mutation::RecoveryId),
        Just(Mutation::OtherScheme),
        prop_oneof![Just(2u8), Just(3u8), any::<u8>()].prop_map(Mutation::SignerFirstByte),
        any::<[u8; 65]>().prop_map(Mutation::Garbage),
    ]
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![Just(Scheme::Sr25519), Just(Scheme::Ecdsa)]
}

/// The key of `scheme` from `seed` (an ecdsa seed that is no secp256k1 secret, such as
/// the all-zero seed shrinking goes to, is replaced by a fixed valid one).
fn key(scheme: Scheme, seed: &[u8; 32]) -> VoucherKey {
    match scheme {
        Scheme::Sr25519 => VoucherKey::sr25519_from_seed(seed),
        Scheme::Ecdsa => VoucherKey::ecdsa_from_seed(seed)
            .or_else(|_| VoucherKey::ecdsa_from_seed(&[1; 32]))
            .unwrap(),
    }
}

fn other(scheme: Scheme) -> Scheme {
    match scheme {
        Scheme::Sr25519 => Scheme::Ecdsa,
        Scheme::Ecdsa => Scheme::Sr25519,
    }
}

/// Escrow's error as the off-chain error of the same name.
fn same_kind(e: Error) -> VoucherError {
    match e {
        Error::SchemeMismatch => VoucherError::SchemeMismatch,
        Error::InvalidSignature => VoucherError::InvalidSignature,
        Error::InvalidSignerKey => VoucherError::InvalidSignerKey,
        other => panic!("escrow's verification returned {other:?}"),
    }
}

/// What escrow does with `voucher` on a channel of `signer`: `check_signer` when the
/// channel is opened, then `ChainVerifier` on the claim.
fn on_chain(signer: &Signer, escrow: &VoucherDomain, voucher: &Voucher) -> Outcome {
    let message = voucher_message(escrow, voucher.channel_id, voucher.amount);
    check_signer(signer)
        .and_then(|()| ChainVerifier.verify(signer, &message, &voucher.signature))
        .map_err(same_kind)
}

/// Both verifiers, in ink's off-chain engine; fails if they disagree.
fn both(
    signer: &Signer,
    escrow: &VoucherDomain,
    voucher: &Voucher,
) -> Result<Outcome, TestCaseError> {
    let mut chain = None;
    ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
        chain = Some(on_chain(signer, escrow, voucher));
        Ok(())
    })
    .unwrap();
    let chain = chain.unwrap();
    let off_chain = gb_voucher::verify(signer, escrow, voucher);
    prop_assert_eq!(chain, off_chain, "on chain vs off chain for {:?}", voucher);
    Ok(off_chain)
}

/// Applies `mutation` to the valid voucher of `key` and returns the signer and voucher
/// to verify, and the outcome the mutation must have.
fn mutate(
    scheme: Scheme,
    seed: &[u8; 32],
    escrow: &VoucherDomain,
    valid: Voucher,
    mutation: &Mutation,
) -> (Signer, Voucher, Outcome) {
    let key = key(scheme, seed);
    let (channel, amount) = (valid.channel_id, valid.amount);
    let message = voucher_message(escrow, channel, amount);
    let mut signer = key.signer();
    let invalid = Err(VoucherError::InvalidSignature);
    let signed = |signature| Voucher { signature, ..valid };
    let (voucher, expected) = match *mutation {
        Mutation::None => (valid, Ok(())),
        Mutation::OtherKey(other_seed) => {
            let other_key = self::key(scheme, &other_seed);
            let same = other_key.signer() == signer;
            let voucher = gb_voucher::sign(&other_key, escrow, channel, amount);
            (voucher, if same { Ok(()) } else { invalid })
        }
        Mutation::OtherChannel(mask) => {
            let sig = key.sign_message(&voucher_message(escrow, channel ^ mask, amount));
            (signed(sig), invalid)
        }
        Mutation::OtherAmount(mask) => {
            let sig = key.sign_message(&voucher_message(escrow, channel, amount ^ mask));
            (signed(sig), invalid)
        }
        Mutation::OtherEscrow(i, mask) => {
            let mut other_escrow = *escrow;
            other_escrow.escrow[i] ^= mask;
            let sig = key.sign_message(&voucher_message(&other_escrow, channel, amount));
            (signed(sig), invalid)
        }
        Mutation::OtherChain(i, mask) => {
            let mut other_chain = *escrow;
            other_chain.genesis_hash[i] ^= mask;
            let sig = key.sign_message(&voucher_message(&other_chain, channel, amount));
            (signed(sig), invalid)
        }
        Mutation::V1(wrapped) => {
            let old = v1::voucher_message(&escrow.escrow, channel, amount);
            let sig = if wrapped {
                key.sign_message(&v1::wrapped_voucher_message(&old))
            } else {
                key.sign_message(&old)
            };
            (signed(sig), invalid)
        }
        Mutation::Wrapped => {
            let sig = key.sign_message(&wrapped_voucher_message(&message));
            let expected = match scheme {
                Scheme::Sr25519 => Ok(()),
                Scheme::Ecdsa => invalid,
            };
            (signed(sig), expected)
        }
        Mutation::HalfWrapped => {
            let sig = key.sign_message(&[BYTES_PREFIX.as_slice(), &message].concat());
            (signed(sig), invalid)
        }
        Mutation::FlipBit(bit) => {
            let sig = match valid.signature {
                VoucherSignature::Sr25519(mut s) => {
                    s[bit / 8 % 64] ^= 1 << (bit % 8);
                    VoucherSignature::Sr25519(s)
                }
                VoucherSignature::Ecdsa(mut s) => {
                    s[bit / 8 % 65] ^= 1 << (bit % 8);
                    VoucherSignature::Ecdsa(s)
                }
            };
            (signed(sig), invalid)
        }
        Mutation::RecoveryId(v) => match valid.signature {
            VoucherSignature::Ecdsa(mut s) => {
                let same_id = v == s[64] || v == s[64] + 27;
                s[64] = v;
                let expected = if same_id { Ok(()) } else { invalid };
                (signed(VoucherSignature::Ecdsa(s)), expected)
            }
            VoucherSignature::Sr25519(_) => (valid, Ok(())),
        },
        Mutation::OtherScheme => {
            let other_key = self::key(other(scheme), seed);
            let voucher = gb_voucher::sign(&other_key, escrow, channel, amount);
            (voucher, Err(VoucherError::SchemeMismatch))
        }
        Mutation::SignerFirstByte(first) => {
            let (original, expected) = match &mut signer {
                Signer::Sr25519(k) => (std::mem::replace(&mut k[0], first), invalid),
                Signer::Ecdsa(k) => {
                    let original = std::mem::replace(&mut k[0], first);
                    let compressed = first == 2 || first == 3;
                    let refused = Err(VoucherError::InvalidSignerKey);
                    (original, if compressed { invalid } else { refused })
                }
            };
            (valid, if original == first { Ok(()) } else { expected })
        }
        Mutation::Garbage(bytes) => {
            let sig = match scheme {
                Scheme::Sr25519 => VoucherSignature::Sr25519(bytes[..64].try_into().unwrap()),
                Scheme::Ecdsa => {
                    let mut s = bytes;
                    s[0] &= 0x7F; // r < 2^255 < the curve order
                    s[32] &= 0x7F; // s likewise
                    VoucherSignature::Ecdsa(s)
                }
            };
            (signed(sig), invalid)
        }
    };
    (signer, voucher, expected)
}

/// Cases of the main property: `GB_VOUCHER_DIFF_CASES`, 4000 by default (~2 s).
fn config() -> ProptestConfig {
    proptest_config("GB_VOUCHER_DIFF_CASES", 4_000)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn differential_off_chain_verify_agrees_with_escrow(
        scheme in scheme(),
        seed in any::<[u8; 32]>(),
        genesis_hash in any::<[u8; 32]>(),
        escrow in any::<[u8; 32]>(),
        channel in any::<ChannelId>(),
        amount in any::<Balance>(),
        mutation in mutation(),
    ) {
        let escrow = VoucherDomain::new(genesis_hash, escrow);
        let valid = gb_voucher::sign(&key(scheme, &seed), &escrow, channel, amount);
        let (signer, voucher, expected) = mutate(scheme, &seed, &escrow, valid, &mutation);
        let outcome = both(&signer, &escrow, &voucher)?;
        prop_assert_eq!(outcome, expected, "{:?}", mutation);
    }
}

proptest! {
    // 256 checks a case: a 40th of the cases.
    #![proptest_config(ProptestConfig { cases: config().cases.div_ceil(40), ..config() })]

    /// Every value of the recovery id byte, on random ecdsa keys and vouchers.
    #[test]
    fn differential_every_ecdsa_recovery_byte_agrees(
        seed in any::<[u8; 32]>(),
        genesis_hash in any::<[u8; 32]>(),
        escrow in any::<[u8; 32]>(),
        channel in any::<ChannelId>(),
        amount in any::<Balance>(),
    ) {
        let escrow = VoucherDomain::new(genesis_hash, escrow);
        let valid = gb_voucher::sign(&key(Scheme::Ecdsa, &seed), &escrow, channel, amount);
        for v in 0..=u8::MAX {
            let mutation = Mutation::RecoveryId(v);
            let (signer, voucher, expected) =
                mutate(Scheme::Ecdsa, &seed, &escrow, valid, &mutation);
            prop_assert_eq!(both(&signer, &escrow, &voucher)?, expected, "v = {}", v);
        }
    }
}

/// Issue 18, L2: both sides refuse the degenerate keys (the sr25519 identity, with a
/// signature forged for it; ecdsa keys that are no curve point) with
/// `InvalidSignerKey`, before any signature check.
#[test]
fn differential_degenerate_signer_keys_are_refused_on_both_sides() {
    let forged = super::tests::forged_identity_signature();
    let mut off_curve = [0u8; 33];
    off_curve[0] = 2;
    off_curve[32] = 5;
    let mut too_big = [0xFF; 33];
    too_big[0] = 3;
    let domain = VoucherDomain::new([6; 32], [7; 32]);
    let ec = gb_voucher::sign(&key(Scheme::Ecdsa, &[1; 32]), &domain, 1, 10).signature;
    for (signer, signature) in [
        (Signer::Sr25519([0; 32]), forged),
        (Signer::Ecdsa(off_curve), ec),
        (Signer::Ecdsa(too_big), ec),
    ] {
        let voucher = Voucher::new(1, 10, signature);
        assert_eq!(
            both(&signer, &domain, &voucher).unwrap(),
            Err(VoucherError::InvalidSignerKey),
            "{signer:?}"
        );
    }
}
