fn main() {
    println!("oauth-setup: under construction");
}
