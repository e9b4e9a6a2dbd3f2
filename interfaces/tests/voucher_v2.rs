//! The voucher v2 encoding against the published vectors, `docs/voucher-v2-vectors.json`
//! (read through `gb_voucher::vectors`). Signing is gb-voucher's; verification here is
//! sp-core's own, independently of gb-voucher's `verify`. Keys are the dev seed `//Alice`.
use gb_interfaces::voucher::v1;
use gb_interfaces::*;
use gb_voucher::vectors::{self, VectorV2};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use sp_core::{ecdsa, sr25519, Pair as _};

/// The first vector: Polkadot, escrow bytes 0x00, 0x01, …, 0x1f, channel 7, 1.5 · 10^12.
fn first() -> VectorV2 {
    vectors::v2().vectors.remove(0)
}

fn sr_public() -> sr25519::Public {
    sr25519::Public::from_raw(vectors::v2().keys.sr25519.public)
}

fn sr_verifies(sig: &[u8; 64], message: &[u8], public: &sr25519::Public) -> bool {
    sr25519::Pair::verify(&sr25519::Signature::from_raw(*sig), message, public)
}

#[test]
fn message_layout_is_byte_exact() {
    let v = first();
    let escrow: [u8; 32] = core::array::from_fn(|i| i as u8);
    assert_eq!(
        (v.genesis_hash, v.escrow, v.channel_id, v.amount),
        (vectors::POLKADOT_GENESIS, escrow, 7, 1_500_000_000_000)
    );
    let domain = VoucherDomain::new(v.genesis_hash, v.escrow);
    let m = voucher_message(&domain, v.channel_id, v.amount);
    assert_eq!((m.len(), VOUCHER_LEN, WRAPPED_VOUCHER_LEN), (106, 106, 121));
    assert_eq!(&m[..18], b"gbrain/voucher/v2:");
    assert_eq!(m[18..50], vectors::POLKADOT_GENESIS);
    assert_eq!(m[50..82], escrow);
    assert_eq!(m[82..90], 7u64.to_le_bytes());
    assert_eq!(m[90..], v.amount.to_le_bytes());
    assert_eq!(m, v.message);
    assert_eq!(parse_voucher_message(&m), Some((domain, 7, v.amount)));
    // v2 is v1 with the genesis hash inserted after the (new) domain tag.
    let v1 = v1::voucher_message(&escrow, 7, v.amount);
    assert_eq!(m[50..], v1[18..]);
}

#[test]
fn every_vector_message_is_byte_exact_and_the_reusable_buffer_agrees() {
    for v in vectors::v2().vectors {
        let m = voucher_message(&v.domain(), v.channel_id, v.amount);
        assert_eq!(m, v.message, "channel {}", v.channel_id);
        assert_eq!(wrapped_voucher_message(&m), v.wrapped_message);
        assert_eq!(
            parse_voucher_message(&m),
            Some((v.domain(), v.channel_id, v.amount))
        );
        // The batch buffer, reused across vouchers of one domain.
        let mut buffer = VoucherMessage::new(&v.domain());
        assert_eq!(buffer.of(1, 2), &voucher_message(&v.domain(), 1, 2));
        assert_eq!(buffer.of(v.channel_id, v.amount), &v.message);
        assert_eq!(buffer.of(0, 0), &voucher_message(&v.domain(), 0, 0));
    }
}

#[test]
fn parse_rejects_wrong_length_domain_and_v1() {
    let v = first();
    let m = v.message;
    assert_eq!(parse_voucher_message(&m[..105]), None);
    let mut bad = m;
    bad[0] = b'G';
    assert_eq!(parse_voucher_message(&bad), None);
    // A v1 message is no v2 message (and a v2 message no v1 one).
    let old = v1::voucher_message(&v.escrow, v.channel_id, v.amount);
    assert_eq!(parse_voucher_message(&old), None);
    assert_eq!(v1::parse_voucher_message(&m), None);
    let mut v1_tag_v2_length = m;
    v1_tag_v2_length[..18].copy_from_slice(v1::VOUCHER_DOMAIN);
    assert_eq!(parse_voucher_message(&v1_tag_v2_length), None);
}

#[test]
fn the_vector_signatures_verify_with_sp_core() {
    let keys = vectors::v2().keys;
    let public = sr_public();
    let alice = VoucherKey::sr25519(&keys.sr25519.suri).unwrap();
    assert_eq!(alice.signer(), Signer::Sr25519(public.0));
    for v in vectors::v2().vectors {
        assert!(sr_verifies(&v.sr25519_signature, &v.message, &public));
        let wrapped = v.sr25519_wrapped_signature;
        assert!(sr_verifies(&wrapped, &v.wrapped_message, &public));
        assert!(!sr_verifies(&wrapped, &v.message, &public));
        // ecdsa: what escrow does on chain, recover from blake2_256(message).
        let sig = ecdsa::Signature::from_raw(v.ecdsa_signature);
        let hash = sp_core::hashing::blake2_256(&v.message);
        assert_eq!(
            sig.recover_prehashed(&hash).map(|p| p.0),
            Some(keys.ecdsa.public)
        );
    }
}

/// Issue 18, L8: the same escrow, channel and amount on two chains are two messages;
/// a signature of one covers nothing of the other.
#[test]
fn the_chain_is_part_of_what_is_signed() {
    let all = vectors::v2().vectors;
    let (polkadot, kusama) = (&all[0], &all[1]);
    assert_eq!(polkadot.escrow, kusama.escrow);
    assert_ne!(polkadot.message, kusama.message);
    let public = sr_public();
    assert!(!sr_verifies(
        &polkadot.sr25519_signature,
        &kusama.message,
        &public
    ));
    assert!(!sr_verifies(
        &kusama.sr25519_signature,
        &polkadot.message,
        &public
    ));
    let keys = vectors::v2().keys;
    let sig = ecdsa::Signature::from_raw(polkadot.ecdsa_signature);
    let hash = sp_core::hashing::blake2_256(&kusama.message);
    assert_ne!(
        sig.recover_prehashed(&hash).map(|p| p.0),
        Some(keys.ecdsa.public)
    );
}
