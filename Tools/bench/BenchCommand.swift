// Placeholder: the benchmark tool lands with the benchmark work.
@main struct BenchCommand { static func main() {} }
