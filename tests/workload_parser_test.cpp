#include <gtest/gtest.h>

#include <memory_resource>
#include <string>

#include "soak/workload/query_parser.h"

namespace memsoak::workload {
namespace {

std::string canonical(std::string_view query) {
  std::pmr::monotonic_buffer_resource arena;
  return to_string(parse_query(query, &arena));
}

// Parses `query` expecting a QueryError; returns it.
QueryError parse_error(std::string_view query) {
  std::pmr::monotonic_buffer_resource arena;
  try {
    parse_query(query, &arena);
  } catch (const QueryError& error) {
    return error;
  }
  ADD_FAILURE() << "parsed without error: " << query;
  return QueryError(0, "");
}

TEST(QueryParser, NotBindsTighterThanAndWhichBindsTighterThanOr) {
  EXPECT_EQ(canonical("a OR b c"), "(OR a (AND b c))");
  EXPECT_EQ(canonical("a b OR c"), "(OR (AND a b) c)");
  EXPECT_EQ(canonical("NOT a b"), "(AND (NOT a) b)");
  EXPECT_EQ(canonical("a AND b OR c AND NOT d"), "(OR (AND a b) (AND c (NOT d)))");
  EXPECT_EQ(canonical("NOT NOT a"), "(NOT (NOT a))");
}

TEST(QueryParser, ParenthesesOverridePrecedence) {
  EXPECT_EQ(canonical("(a OR b) c"), "(AND (OR a b) c)");
  EXPECT_EQ(canonical("a (b OR (c d))"), "(AND a (OR b (AND c d)))");
  EXPECT_EQ(canonical("((a))"), "a");
}

TEST(QueryParser, ChainsOfOneOperatorAreFlat) {
  EXPECT_EQ(canonical("a b AND c d"), "(AND a b c d)");
  EXPECT_EQ(canonical("a OR b OR c"), "(OR a b c)");
}

TEST(QueryParser, WordsNormalizeAsIndexedTextDoes) {
  EXPECT_EQ(canonical("Don't STOP!"), "(AND dont stop)");
  EXPECT_EQ(canonical("Ab*"), "ab*");
  EXPECT_EQ(canonical("\"Big,  fish.\""), "\"big fish\"");
  EXPECT_EQ(canonical("\"alone\""), "alone");
  EXPECT_EQ(canonical("and or not"), "(AND and or not)");  // operators are upper case only
}

TEST(QueryParser, PhrasesAndGroupsNeedNoSpaces) {
  EXPECT_EQ(canonical("(a)\"b c\"d"), "(AND a \"b c\" d)");
}

TEST(QueryParser, RejectsMalformedQueriesWithThePositionAtFault) {
  struct Case {
    std::string_view query;
    std::size_t position;
    std::string_view says;
  };
  const Case cases[] = {
      {"", 0, "empty query"},
      {"   ", 0, "empty query"},
      {"a AND", 5, "the query ends"},
      {"a OR", 4, "the query ends"},
      {"NOT", 3, "the query ends"},
      {"(a b", 0, "no closing ')'"},
      {"a )", 2, "unexpected ')'"},
      {"a \"b c", 2, "no closing '\"'"},
      {"OR a", 0, "unexpected 'OR'"},
      {"a OR OR b", 5, "unexpected 'OR'"},
      {"a AND AND b", 6, "unexpected 'AND'"},
      {"()", 1, "unexpected ')'"},
      {"x !!!", 2, "'!!!' has no letter or digit"},
      {"*", 0, "'*' has no letter or digit"},
      {"a \" ,, \"", 2, "phrase has no letter or digit"},
  };
  for (const Case& c : cases) {
    const QueryError error = parse_error(c.query);
    EXPECT_EQ(error.position(), c.position) << c.query;
    const std::string message = error.what();
    EXPECT_NE(message.find(c.says), std::string::npos) << c.query << " -> " << message;
    EXPECT_NE(message.find("position " + std::to_string(c.position)), std::string::npos) << message;
  }
}

TEST(QueryParser, RejectsNestingDeepEnoughToExhaustTheStack) {
  const std::string deep = std::string(200, '(') + "a" + std::string(200, ')');
  EXPECT_NE(std::string(parse_error(deep).what()).find("nesting deeper than"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 200; ++i) nots += "NOT ";
  EXPECT_EQ(parse_error(nots + "a").position(), 400u);
  EXPECT_EQ(canonical(std::string(50, '(') + "a" + std::string(50, ')')), "a");
}

TEST(QueryParser, TheWholeTreeLivesInTheArena) {
  // Any pmr allocation that escaped the arena would reach the default resource and throw.
  std::pmr::memory_resource* previous =
      std::pmr::set_default_resource(std::pmr::null_memory_resource());
  std::pmr::monotonic_buffer_resource arena(std::pmr::new_delete_resource());
  const std::string query =
      "(alpha_long_enough_to_leave_small_string_storage OR \"beta gamma delta\") NOT epsilon*";
  EXPECT_NO_THROW(parse_query(query, &arena));
  std::pmr::set_default_resource(previous);
}

}  // namespace
}  // namespace memsoak::workload
