struct Mixed;

struct Point {
    x: i32,
}

#[edgemcp::tools]
impl Mixed {
    /// A type the macro cannot describe, beside another argument.
    #[tool]
    fn plot(&self, point: Point, label: String) -> String {
        format!("{label} {}", point.x)
    }
}

fn main() {}
