//! The superseded voucher v1 encoding (`gb_interfaces::voucher::v1`) against its
//! published vectors, `docs/voucher-v1-vectors.json` (read through `gb_voucher::vectors`),
//! and the `Voucher` type's SCALE and JSON forms. v2 is `voucher_v2.rs`.
//! Signing is gb-voucher's; verification here is sp-core's own, independently of
//! gb-voucher's `verify`. Keys are the dev seed `//Alice`.
use gb_interfaces::voucher::v1::{parse_voucher_message, voucher_message, wrapped_voucher_message};
use gb_interfaces::*;
use gb_voucher::vectors::{self, Vector};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use scale::Encode as _;
use sp_core::{ecdsa, sr25519, Pair as _};
use std::collections::BTreeSet;

/// The first vector: escrow bytes 0x00, 0x01, …, 0x1f, channel 7, 1.5 · 10^12 plancks.
fn first() -> Vector {
    vectors::v1().vectors.remove(0)
}

fn sr_public() -> sr25519::Public {
    sr25519::Public::from_raw(vectors::v1().keys.sr25519.public)
}

fn sr_verifies(sig: &[u8; 64], message: &[u8], public: &sr25519::Public) -> bool {
    sr25519::Pair::verify(&sr25519::Signature::from_raw(*sig), message, public)
}

#[test]
fn message_layout_is_byte_exact() {
    let v = first();
    let escrow: [u8; 32] = core::array::from_fn(|i| i as u8);
    assert_eq!(
        (v.escrow, v.channel_id, v.amount),
        (escrow, 7, 1_500_000_000_000)
    );
    let m = voucher_message(&v.escrow, v.channel_id, v.amount);
    assert_eq!(m.len(), 74);
    assert_eq!(&m[..18], b"gbrain/voucher/v1:");
    assert_eq!(m[18..50], escrow);
    assert_eq!(m[50..58], 7u64.to_le_bytes());
    assert_eq!(m[58..], v.amount.to_le_bytes());
    assert_eq!(m, v.message);
    assert_eq!(parse_voucher_message(&m), Some((escrow, 7, v.amount)));
}

#[test]
fn every_vector_message_is_byte_exact() {
    for v in vectors::v1().vectors {
        let m = voucher_message(&v.escrow, v.channel_id, v.amount);
        assert_eq!(m, v.message, "channel {}", v.channel_id);
        assert_eq!(wrapped_voucher_message(&m), v.wrapped_message);
        assert_eq!(
            parse_voucher_message(&m),
            Some((v.escrow, v.channel_id, v.amount))
        );
    }
}

#[test]
fn parse_rejects_wrong_length_and_domain() {
    let v = first();
    let m = voucher_message(&v.escrow, v.channel_id, v.amount);
    assert_eq!(parse_voucher_message(&m[..73]), None);
    let mut bad = m;
    bad[0] = b'G';
    assert_eq!(parse_voucher_message(&bad), None);
}

#[test]
fn wrapped_message_is_bytes_tagged() {
    let v = first();
    let m = voucher_message(&v.escrow, v.channel_id, v.amount);
    let w = wrapped_voucher_message(&m);
    assert_eq!(w, v.wrapped_message);
    assert!(w.starts_with(b"<Bytes>") && w.ends_with(b"</Bytes>"));
    assert_eq!(&w[7..81], &m[..]);
}

#[test]
fn sr25519_vector_verifies_with_context_substrate() {
    let v = first();
    let alice = VoucherKey::sr25519(&vectors::v1().keys.sr25519.suri).unwrap();
    let public = sr_public();
    assert_eq!(alice.signer(), Signer::Sr25519(public.0));
    let m = voucher_message(&v.escrow, v.channel_id, v.amount);
    let sig = v.sr25519_signature;
    assert!(sr_verifies(&sig, &m, &public));
    // A fresh signature verifies too (signatures are randomized).
    let fresh = alice.sign_message(&m);
    let VoucherSignature::Sr25519(fresh) = fresh else {
        panic!("an sr25519 key signs sr25519")
    };
    assert!(sr_verifies(&fresh, &m, &public));
    // The same signature does not cover another channel, amount or escrow.
    let (escrow, channel, amount) = (v.escrow, v.channel_id, v.amount);
    for other in [
        voucher_message(&escrow, 8, amount),
        voucher_message(&escrow, channel, amount + 1),
        voucher_message(&[9; 32], channel, amount),
    ] {
        assert!(!sr_verifies(&sig, &other, &public));
    }
}

#[test]
fn sr25519_wrapped_vectors_verify_only_over_the_wrapper() {
    let public = sr_public();
    for v in vectors::v1().vectors {
        assert!(sr_verifies(&v.sr25519_signature, &v.message, &public));
        let sig = v.sr25519_wrapped_signature;
        assert!(sr_verifies(&sig, &v.wrapped_message, &public));
        assert!(!sr_verifies(&sig, &v.message, &public));
    }
}

#[test]
fn ecdsa_vectors_are_deterministic_and_recover_the_key() {
    let keys = vectors::v1().keys;
    let alice = VoucherKey::ecdsa(&keys.ecdsa.suri).unwrap();
    assert_eq!(alice.signer(), Signer::Ecdsa(keys.ecdsa.public));
    for v in vectors::v1().vectors {
        let m = voucher_message(&v.escrow, v.channel_id, v.amount);
        let signed = alice.sign_message(&m);
        assert_eq!(signed, VoucherSignature::Ecdsa(v.ecdsa_signature));
        // What escrow does on chain: recover from blake2_256(message), compare compressed keys.
        let sig = ecdsa::Signature::from_raw(v.ecdsa_signature);
        let hash = sp_core::hashing::blake2_256(&m);
        let recovered = sig.recover_prehashed(&hash).unwrap();
        assert_eq!(recovered.0, keys.ecdsa.public);
        let other = voucher_message(&v.escrow, v.channel_id, v.amount.wrapping_sub(1));
        assert_ne!(
            sig.recover_prehashed(&sp_core::hashing::blake2_256(&other))
                .map(|p| p.0),
            Some(keys.ecdsa.public)
        );
    }
}

#[test]
fn the_markdown_shows_exactly_the_json_values() {
    let md = include_str!("../../docs/voucher-v1-vectors.md");
    let json: serde_json::Value = serde_json::from_str(vectors::JSON).unwrap();
    let mut in_json = BTreeSet::new();
    collect_hex_strings(&json, &mut in_json);
    // Every `0x…` code span of the page.
    let in_md: BTreeSet<String> = md
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.len() > 2 && span.starts_with("0x"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        in_md, in_json,
        "docs/voucher-v1-vectors.md and .json differ"
    );
    for v in vectors::v1().vectors {
        for number in [v.channel_id.to_string(), v.amount.to_string()] {
            assert!(
                md.contains(&format!("`{number}`")),
                "{number} not in the .md"
            );
        }
    }
}

fn collect_hex_strings(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::String(s) if s.starts_with("0x") => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_hex_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_hex_strings(v, out)),
        _ => {}
    }
}

#[test]
fn a_voucher_encodes_as_the_tuple_it_replaces() {
    let v = first();
    for signature in [
        VoucherSignature::Sr25519(v.sr25519_signature),
        VoucherSignature::Ecdsa(v.ecdsa_signature),
    ] {
        let voucher = Voucher::new(v.channel_id, v.amount, signature);
        let tuple: (ChannelId, Balance, VoucherSignature) = (v.channel_id, v.amount, signature);
        assert_eq!(voucher.encode(), tuple.encode());
        assert_eq!(Voucher::from(tuple), voucher);
        let decoded: Voucher = scale::Decode::decode(&mut &tuple.encode()[..]).unwrap();
        assert_eq!(decoded, voucher);
        // And a batch, as `claim_batch` takes it.
        assert_eq!(vec![voucher; 3].encode(), vec![tuple; 3].encode());
    }
}

#[test]
fn json_forms_use_0x_hex_and_a_decimal_amount() {
    let voucher = Voucher::new(7, u128::MAX, VoucherSignature::Ecdsa([0xAB; 65]));
    let json = serde_json::to_string(&voucher).unwrap();
    let expected = format!(
        r#"{{"channel_id":7,"amount":"340282366920938463463374607431768211455","signature":{{"ecdsa":"0x{}"}}}}"#,
        "ab".repeat(65)
    );
    assert_eq!(json, expected);
    assert_eq!(serde_json::from_str::<Voucher>(&json).unwrap(), voucher);
    // Upper-case hex is read too.
    let upper = json.replace("ab", "AB");
    assert_eq!(serde_json::from_str::<Voucher>(&upper).unwrap(), voucher);

    let sr = VoucherSignature::Sr25519([1; 64]);
    let sr_json = format!(r#"{{"sr25519":"0x{}"}}"#, "01".repeat(64));
    assert_eq!(serde_json::to_string(&sr).unwrap(), sr_json);
    for signer in [Signer::Sr25519([2; 32]), Signer::Ecdsa([3; 33])] {
        let json = serde_json::to_string(&signer).unwrap();
        assert_eq!(serde_json::from_str::<Signer>(&json).unwrap(), signer);
    }
    assert_eq!(
        serde_json::to_string(&Signer::Ecdsa([3; 33])).unwrap(),
        format!(r#"{{"ecdsa":"0x{}"}}"#, "03".repeat(33))
    );
}

#[test]
fn json_forms_refuse_malformed_input() {
    let sig = "01".repeat(64);
    for (bad, why) in [
        (
            format!(r#"{{"sr25519":"{sig}"}}"#),
            "expected 0x-prefixed hex",
        ),
        (format!(r#"{{"sr25519":"0x{sig}00"}}"#), "expected 64 bytes"),
        (r#"{"sr25519":"0xzz"}"#.to_owned(), "expected 64 bytes"),
        (format!(r#"{{"rsa":"0x{sig}"}}"#), "unknown variant"),
    ] {
        let err = serde_json::from_str::<VoucherSignature>(&bad).unwrap_err();
        assert!(err.to_string().contains(why), "{bad}: {err}");
    }
    let amount_as_number =
        format!(r#"{{"channel_id":7,"amount":5,"signature":{{"sr25519":"0x{sig}"}}}}"#);
    assert!(serde_json::from_str::<Voucher>(&amount_as_number).is_err());
    let amount_too_big = format!(
        r#"{{"channel_id":7,"amount":"340282366920938463463374607431768211456","signature":{{"sr25519":"0x{sig}"}}}}"#
    );
    let err = serde_json::from_str::<Voucher>(&amount_too_big).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a decimal integer string"),
        "{err}"
    );
}
