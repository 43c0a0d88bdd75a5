//! Every form a `#[tool]` method may take.

use edgemcp::tool::{Json, ToolError, ToolSet};
use edgemcp::{Error, RequestContext, ToolResult};

struct Shop;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Order {
    item: String,
    count: u32,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Total {
    cents: u64,
}

#[edgemcp::tools]
impl Shop {
    /// No arguments, text out.
    #[tool]
    fn hello(&self) -> &'static str {
        "hello"
    }

    /// Parameters, the context, and structured output.
    #[tool(read_only, title = "Price", scopes = ["shop:read"], timeout_ms = 100)]
    async fn price(&self, /// The item.
        item: String, cx: RequestContext, count: Option<u32>) -> Result<Json<Total>, Error> {
        let _ = (item, cx);
        Ok(Json(Total { cents: u64::from(count.unwrap_or(1)) * 100 }))
    }

    /// One argument struct.
    #[tool(destructive, idempotent = false, task = "optional")]
    async fn order(&self, order: Order) -> Result<ToolResult, ToolError> {
        Ok(ToolResult::text(format!("{} x {}", order.count, order.item)))
    }

    /// An associated function, and a raw identifier.
    #[tool(open_world, requires = ["elicitation"])]
    fn r#type(r#as: String) -> String {
        r#as
    }

    /// No content.
    #[tool]
    fn nothing(&self, _flag: bool) {}

    fn not_a_tool(&self) -> u8 {
        1
    }
}

fn main() {
    let tools = Shop.into_tools();
    let names: Vec<&str> = tools.iter().map(|tool| tool.name()).collect();
    assert_eq!(names, ["hello", "price", "order", "type", "nothing"]);
    assert_eq!(Shop.not_a_tool(), 1);
}
