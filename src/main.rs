fn main() -> std::process::ExitCode {
    tfreach::cli::main()
}
