//! The gateway's wire format is `gb-protocol` (`docs/payment-protocol.md`), shared
//! with the gateway so the two sides cannot drift; this module adds what the client
//! needs on top: the network id and match of a deployment's genesis hash (a `0x…`
//! string in the deployment file), the problem document of a refused response.

pub use gb_protocol::headers::{
    decode, encode, IDEMPOTENCY_KEY, PAYMENT_CHANNEL, PAYMENT_REQUIRED, PAYMENT_RESPONSE,
    PAYMENT_SIGNATURE,
};
pub use gb_protocol::{
    BatchSettlementExtra, ChannelStatus, ChannelVoucher, PaymentPayload, PaymentRequired,
    PaymentResponse, Problem, ProblemKind, Receipt, SignerScheme, SCHEME, VOUCHER_VERSION,
};

/// The largest challenge or receipt header the client reads (bytes of base64).
pub const MAX_HEADER: usize = 64 * 1024;

/// The genesis hash of a deployment file's `0x…` text (zeros if it is not one: then
/// nothing matches it).
pub fn genesis_of(text: &str) -> [u8; 32] {
    gb_protocol::network::parse_genesis(text).unwrap_or([0; 32])
}

/// The network id (`polkadot:<32 hex>`) of a deployment file's genesis hash.
pub fn network_of(genesis_hash: &str) -> String {
    gb_protocol::network_id(&genesis_of(genesis_hash))
}

/// True if a challenge names the chain of `genesis_hash`: its `network` is that
/// chain's id and its full `genesisHash` is that hash.
pub fn network_matches(network: &str, full: &str, genesis_hash: &str) -> bool {
    let ours = genesis_of(genesis_hash);
    ours != [0; 32]
        && network == gb_protocol::network_id(&ours)
        && gb_protocol::network::parse_genesis(full) == Some(ours)
}

/// The problem document of a refused response's body; a minimal one (status and the
/// start of the body as its title) if the body is not a problem document.
pub fn problem_from(status: u16, body: &[u8]) -> Problem {
    serde_json::from_slice(body).unwrap_or_else(|_| Problem {
        type_uri: "about:blank".into(),
        title: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        status,
        detail: None,
        instance: None,
        channel: None,
        required_cumulative: None,
        idempotency_state: None,
        retry_after_seconds: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "0xabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    #[test]
    fn the_network_must_name_this_chain_both_ways() {
        let net = network_of(G);
        assert_eq!(net, "polkadot:abcdef0123456789abcdef0123456789");
        assert!(network_matches(&net, G, G));
        assert!(network_matches(
            &net,
            &G.to_uppercase().replace("0X", "0x"),
            G
        ));
        let other = G.replace('a', "b");
        assert!(!network_matches(&network_of(&other), &other, G));
        assert!(
            !network_matches(&net, &other, G),
            "same prefix, other chain"
        );
        assert!(!network_matches(&net, G, "not a hash"));
    }

    #[test]
    fn a_body_that_is_not_a_problem_still_gives_one() {
        let p = problem_from(502, b"bad gateway");
        assert_eq!(
            (p.status, p.title.as_str(), p.kind()),
            (502, "bad gateway", None)
        );
        let doc = serde_json::to_vec(&Problem::new(ProblemKind::StaleAmount, "x")).unwrap();
        assert_eq!(
            problem_from(402, &doc).kind(),
            Some(ProblemKind::StaleAmount)
        );
    }
}
