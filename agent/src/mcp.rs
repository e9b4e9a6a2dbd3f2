//! `gb mcp`: the marketplace as an MCP server (the official Rust SDK, rmcp, over
//! stdio), so that an LLM agent buys AI services on its own — under the budget policy
//! of the command line that started it.
//!
//! Tools: `search_services` (a tag's services, best first, with score evidence),
//! `get_service`, `call_service` (pays and calls; the response body and the receipt),
//! `check_spend` (spend, caps, balances), `rate_service`, `list_channels`. Results are
//! structured content; a budget refusal is a tool error whose `error` is
//! `budget_refused` (with the cap that refused), an impostor gateway
//! `impostor_refused`, anything else `failed` — the LLM sees why and can act.

use crate::agent::{Agent, Rating};
use crate::discover::Order;
use crate::error::AgentError;
use crate::pay::CallRequest;
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool, tool_handler, tool_router, ErrorData, ServerHandler, ServiceExt as _};
use serde_json::{json, Value};
use std::sync::Arc;

/// The MCP server over an [`Agent`].
#[derive(Clone)]
pub struct GbMcp {
    agent: Arc<Agent>,
    tool_router: ToolRouter<Self>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct SearchArgs {
    /// The tag (vertical market), e.g. "medical".
    pub tag: String,
    /// "value" (quality per price, default) or "score" (reputation only).
    #[serde(default)]
    pub order: Option<String>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct ServiceArgs {
    /// The service id (from search_services).
    pub service_id: u64,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct CallArgs {
    /// The service id (from search_services).
    pub service_id: u64,
    /// The request body (text, e.g. JSON).
    #[serde(default)]
    pub body: String,
    /// The path under the service's endpoint, e.g. "/v1/infer".
    #[serde(default)]
    pub path: String,
    /// HTTP method, default POST.
    #[serde(default)]
    pub method: Option<String>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct RateArgs {
    /// The service id.
    pub service_id: u64,
    /// 1..=5 stars (or give quality).
    #[serde(default)]
    pub stars: Option<u8>,
    /// Your own quality measure in [0, 1].
    #[serde(default)]
    pub quality: Option<f64>,
}

fn ok(v: Value) -> Result<CallToolResult, ErrorData> {
    Ok(CallToolResult::structured(v))
}

fn refused(e: AgentError) -> Result<CallToolResult, ErrorData> {
    let code = match &e {
        AgentError::Budget(_) => "budget_refused",
        AgentError::Impostor { .. } => "impostor_refused",
        _ => "failed",
    };
    let mut v = json!({ "error": code, "message": e.to_string() });
    if let AgentError::Budget(b) = &e {
        v["cap"] = serde_json::to_value(b).unwrap_or_default();
    }
    Ok(CallToolResult::structured_error(v))
}

#[tool_router]
impl GbMcp {
    /// A server for `agent`.
    pub fn new(agent: Agent) -> Self {
        GbMcp {
            agent: Arc::new(agent),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "List the AI services of a tag (vertical market), best first, with price (plancks; 1 U = 10^10), reputation score (0..1 lower confidence bound) and its evidence."
    )]
    async fn search_services(
        &self,
        Parameters(a): Parameters<SearchArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let order = match a.order.as_deref() {
            Some("score") => Order::Score,
            _ => Order::Value,
        };
        match self.agent.discover(&a.tag).await {
            Ok(mut list) => {
                crate::discover::rank(&mut list, order, self.agent.unit);
                ok(json!({ "tag": a.tag, "services": list }))
            }
            Err(e) => refused(e),
        }
    }

    #[tool(
        description = "Show one service: registry entry (endpoint, price, payee) and its score's evidence."
    )]
    async fn get_service(
        &self,
        Parameters(a): Parameters<ServiceArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        match self.agent.service(a.service_id).await {
            Ok(s) => ok(json!({ "service": s })),
            Err(e) => refused(e),
        }
    }

    #[tool(
        description = "Pay for and make one call of a service (within the budget policy): returns the HTTP status, the response body and the payment receipt. A budget refusal is an error with error=budget_refused."
    )]
    async fn call_service(
        &self,
        Parameters(a): Parameters<CallArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let s = match self.agent.service(a.service_id).await {
            Ok(s) => s,
            Err(e) => return refused(e),
        };
        let mut req = CallRequest::post(a.path, a.body.into_bytes());
        if let Some(m) = a.method {
            match reqwest::Method::from_bytes(m.as_bytes()) {
                Ok(m) => req.method = m,
                Err(e) => return refused(AgentError::Request(format!("method: {e}"))),
            }
        }
        match self.agent.call(&s, req).await {
            Ok(paid) => {
                let status = paid.response.status().as_u16();
                let receipt = paid.view();
                let body = match paid.response.bytes().await {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => {
                        return refused(AgentError::Request(format!("reading the response: {e}")))
                    }
                };
                ok(json!({ "status": status, "body": body, "receipt": receipt }))
            }
            Err(e) => refused(e),
        }
    }

    #[tool(description = "Check spend so far against the budget caps, and the account's balances.")]
    async fn check_spend(&self) -> Result<CallToolResult, ErrorData> {
        match self.agent.balances().await {
            Ok(b) => ok(json!({ "balances": b })),
            Err(e) => refused(e),
        }
    }

    #[tool(
        description = "Rate a service this agent paid (1..=5 stars, or quality in [0, 1]); needs a channel the provider has claimed from."
    )]
    async fn rate_service(
        &self,
        Parameters(a): Parameters<RateArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let rating = match (a.stars, a.quality) {
            (Some(s), _) => Rating::Stars(s),
            (None, Some(q)) => Rating::Quality(q),
            (None, None) => return refused(AgentError::Request("give stars or quality".into())),
        };
        match self.agent.rate(a.service_id, rating).await {
            Ok(r) => ok(json!({ "rated": r })),
            Err(e) => refused(e),
        }
    }

    #[tool(
        description = "List this agent's payment channels (funds, committed, available, claimed)."
    )]
    async fn list_channels(&self) -> Result<CallToolResult, ErrorData> {
        ok(json!({ "channels": self.agent.channels() }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for GbMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("gb", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Global Brain marketplace: search_services(tag) to find AI services ranked by \
                 reputation and price, call_service(service_id, body) to pay per call (within \
                 the budget; check_spend shows it), rate_service after paid calls."
                    .to_string(),
            )
    }
}

/// Serves `agent` over stdio until the client closes the session.
pub async fn serve(agent: Agent) -> anyhow::Result<()> {
    let service = GbMcp::new(agent).serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}
