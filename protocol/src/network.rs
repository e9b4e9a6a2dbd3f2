//! The `network` field: which chain, CAIP-2 style.

/// The CAIP-2 namespace of Substrate chains (CAIP-13).
pub const NAMESPACE: &str = "polkadot";

/// The network id of the chain whose genesis block hash is `genesis`:
/// `polkadot:` followed by the first 16 bytes of the hash as 32 lowercase hex digits
/// (CAIP-13). The full hash is also given in the challenge (`extra.genesisHash`).
pub fn network_id(genesis: &[u8; 32]) -> String {
    format!("{NAMESPACE}:{}", hex::encode(&genesis[..16]))
}

/// `0x` + the 64 hex digits of a genesis hash, as `extra.genesisHash` carries it.
pub fn genesis_hex(genesis: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(genesis))
}

/// Reads `0x` + 64 hex digits (either case) into a genesis hash.
pub fn parse_genesis(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.strip_prefix("0x")?, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_id_is_the_caip13_prefix_of_the_genesis_hash() {
        // Polkadot's genesis hash.
        let g = parse_genesis("0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3")
            .unwrap();
        assert_eq!(network_id(&g), "polkadot:91b171bb158e2d3848fa23a9f1c25182");
        assert_eq!(
            genesis_hex(&g),
            "0x91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3"
        );
    }

    #[test]
    fn a_genesis_hash_without_0x_or_of_the_wrong_length_does_not_parse() {
        assert!(parse_genesis(&"00".repeat(32)).is_none());
        assert!(parse_genesis(&format!("0x{}", "00".repeat(31))).is_none());
    }
}
