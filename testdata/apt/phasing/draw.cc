// Reference for internal/apt phasing: apt's draw, with libstdc++.
#include <random>
#include <string>
#include <iostream>
int main(int argc, char **argv) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::seed_seq seed(line.begin(), line.end());
    std::minstd_rand rand(seed);
    std::uniform_int_distribution<unsigned int> dist(0, 100);
    std::cout << dist(rand) << "\t" << line << "\n";
  }
}
