//! The headers as a client and a gateway exchange them: encode with the crate, decode
//! with the crate, and the field names other languages see.

use gb_protocol::headers::{self, HeaderError, MAX_PAYMENT_SIGNATURE_LEN};
use gb_protocol::{PaymentPayload, ProblemKind, SCHEME, X402_VERSION};
use gb_voucher::VoucherKey;

fn payload(key: &VoucherKey) -> PaymentPayload {
    let voucher = gb_voucher::sign(
        key,
        &gb_interfaces::VoucherDomain::new([0; 32], [9; 32]),
        3,
        1_000,
    );
    PaymentPayload::new("polkadot:00000000000000000000000000000000", voucher)
}

#[test]
fn a_voucher_header_round_trips_for_both_signer_schemes() {
    for key in [
        VoucherKey::sr25519("//Alice").unwrap(),
        VoucherKey::ecdsa("//Alice").unwrap(),
    ] {
        let p = payload(&key);
        let text = headers::encode(&p);
        assert!(
            text.len() < 1024,
            "a voucher header is small: {}",
            text.len()
        );
        let back: PaymentPayload =
            headers::decode(text.as_bytes(), MAX_PAYMENT_SIGNATURE_LEN).expect("decodes");
        assert_eq!(back, p);
        assert_eq!(back.x402_version, X402_VERSION);
        assert_eq!(back.scheme, SCHEME);
    }
}

#[test]
fn the_voucher_json_uses_the_documented_field_names() {
    let p = payload(&VoucherKey::sr25519("//Alice").unwrap());
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(v["x402Version"], 2);
    assert_eq!(v["scheme"], "batch-settlement");
    assert_eq!(v["payload"]["channelId"], 3);
    assert_eq!(v["payload"]["amount"], "1000");
    let sig = v["payload"]["signature"]["sr25519"].as_str().unwrap();
    assert!(sig.starts_with("0x") && sig.len() == 2 + 128, "{sig}");
    assert!(v.get("accepted").is_none(), "absent, not null");
}

#[test]
fn a_payload_with_a_missing_field_or_a_bad_amount_is_refused() {
    let p = payload(&VoucherKey::sr25519("//Alice").unwrap());
    let mut v = serde_json::to_value(&p).unwrap();
    v["payload"]["amount"] = serde_json::json!(1000);
    let text = headers::encode(&v);
    assert!(matches!(
        headers::decode::<PaymentPayload>(text.as_bytes(), MAX_PAYMENT_SIGNATURE_LEN),
        Err(HeaderError::Json(_))
    ));
    let mut v = serde_json::to_value(&p).unwrap();
    v["payload"].as_object_mut().unwrap().remove("signature");
    let text = headers::encode(&v);
    assert!(matches!(
        headers::decode::<PaymentPayload>(text.as_bytes(), MAX_PAYMENT_SIGNATURE_LEN),
        Err(HeaderError::Json(_))
    ));
}

#[test]
fn problem_kinds_match_the_documented_table() {
    // The table in docs/payment-protocol.md §6 lists every kind with its status.
    let doc = include_str!("../../docs/payment-protocol.md");
    for &k in ProblemKind::ALL {
        let row = format!("| `{}` | {} |", k.slug(), k.status());
        assert!(doc.contains(&row), "the doc's table lacks {row}");
    }
}
