//! Every JSON example of `docs/payment-protocol.md` (a ```json block after an
//! `<!-- example: Type -->` marker) parses as its type and serializes back to the same
//! JSON; the example voucher's signature is real.

use gb_protocol::{
    network::{genesis_hex, network_id, parse_genesis},
    PaymentPayload, PaymentRequired, PaymentResponse, Problem, ServiceInfo,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

const DOC: &str = include_str!("../../docs/payment-protocol.md");

/// (type name, JSON text) of each marked example, in order.
fn examples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = DOC;
    while let Some(at) = rest.find("<!-- example: ") {
        rest = &rest[at + "<!-- example: ".len()..];
        let name_end = rest.find(" -->").expect("marker closes");
        let name = rest[..name_end].to_string();
        let start = rest.find("```json\n").expect("a json block follows") + "```json\n".len();
        let len = rest[start..].find("```").expect("the block closes");
        out.push((name, rest[start..start + len].to_string()));
        rest = &rest[start + len..];
    }
    out
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str, text: &str) -> T {
    let original: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
    let typed: T = serde_json::from_value(original.clone())
        .unwrap_or_else(|e| panic!("{name}: does not parse as the type: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(back, original, "{name}: serializes differently");
    typed
}

#[test]
fn every_marked_example_parses_and_serializes_back_unchanged() {
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "PaymentRequired",
            "ServiceInfo",
            "PaymentPayload",
            "PaymentResponse",
            "Problem"
        ]
    );
    for (name, text) in &examples {
        match name.as_str() {
            "PaymentRequired" => {
                round_trip::<PaymentRequired>(name, text);
            }
            "ServiceInfo" => {
                round_trip::<ServiceInfo>(name, text);
            }
            "PaymentPayload" => {
                round_trip::<PaymentPayload>(name, text);
            }
            "PaymentResponse" => {
                round_trip::<PaymentResponse>(name, text);
            }
            "Problem" => {
                round_trip::<Problem>(name, text);
            }
            other => panic!("unknown example type {other}"),
        }
    }
}

#[test]
fn the_examples_agree_on_network_genesis_and_escrow() {
    let examples = examples();
    let challenge: PaymentRequired = serde_json::from_str(&examples[0].1).unwrap();
    let terms = challenge.batch_settlement().unwrap();
    let genesis = parse_genesis(&terms.extra.genesis_hash).unwrap();
    assert_eq!(terms.network, network_id(&genesis));
    assert_eq!(genesis_hex(&genesis), terms.extra.genesis_hash);
    assert_eq!(terms.pay_to, terms.extra.payee);
    assert_eq!(terms.amount, terms.extra.price);
    let payload: PaymentPayload = serde_json::from_str(&examples[2].1).unwrap();
    assert_eq!(payload.network, terms.network);
    let receipt: PaymentResponse = serde_json::from_str(&examples[3].1).unwrap();
    let r = &receipt.receipt;
    let channel = terms.extra.channel.as_ref().unwrap();
    assert_eq!(r.remaining, channel.funds - r.spent);
    assert_eq!(r.required_cumulative, r.spent + terms.extra.price);
}

#[test]
fn the_example_voucher_is_signed_by_alice_for_the_example_escrow() {
    use gb_voucher::VoucherSigner as _;
    let examples = examples();
    let challenge: PaymentRequired = serde_json::from_str(&examples[0].1).unwrap();
    let extra = &challenge.accepts[0].extra;
    let genesis = parse_genesis(&extra.genesis_hash).unwrap();
    let domain = gb_interfaces::VoucherDomain::new(genesis, *extra.escrow.as_bytes());
    let payload: PaymentPayload = serde_json::from_str(&examples[2].1).unwrap();
    let alice = gb_voucher::VoucherKey::sr25519("//Alice").unwrap();
    let voucher = payload.payload.voucher();
    assert_eq!(
        gb_voucher::verify(&alice.signer(), &domain, &voucher),
        Ok(()),
        "a fresh signature to paste into the doc: {}",
        serde_json::to_string(
            &gb_voucher::sign(&alice, &domain, voucher.channel_id, voucher.amount).signature
        )
        .unwrap()
    );
}
