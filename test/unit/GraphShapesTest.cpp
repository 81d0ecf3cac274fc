//===- GraphShapesTest.cpp - graph shape rules and safe op creation -------===//

#include "dialects/graph/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace gaon::graph;

namespace {

TEST(BroadcastShapes, FollowsNumpy) {
  auto r = broadcastShapes({2, 1, 4}, {3, 1});
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(*r, (SmallVector<int64_t>{2, 3, 4}));
  r = broadcastShapes({}, {5});
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(*r, (SmallVector<int64_t>{5}));
  r = broadcastShapes({0, 1}, {1, 3});
  ASSERT_TRUE(succeeded(r));
  EXPECT_EQ(*r, (SmallVector<int64_t>{0, 3}));
  EXPECT_TRUE(failed(broadcastShapes({2, 3}, {4})));
}

class CreateInferredTest : public ::testing::Test {
protected:
  CreateInferredTest() : builder(&context) {
    context.loadDialect<GraphDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }
  Value argument(ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, builder.getF32Type());
    return builder.create<ConstantOp>(
        builder.getUnknownLoc(),
        DenseElementsAttr::get(type, builder.getF32FloatAttr(1.0)));
  }
  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(CreateInferredTest, InfersBroadcastResult) {
  auto op = createInferred<AddOp>(builder, builder.getUnknownLoc(),
                                  ValueRange{argument({2, 3}), argument({3})});
  ASSERT_TRUE(succeeded(op));
  EXPECT_EQ(op->getType(),
            RankedTensorType::get({2, 3}, builder.getF32Type()));
}

TEST_F(CreateInferredTest, ReportsInsteadOfAborting) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto op = createInferred<AddOp>(builder, builder.getUnknownLoc(),
                                  ValueRange{argument({2, 3}), argument({4})});
  EXPECT_TRUE(failed(op));
  EXPECT_NE(message.find("do not broadcast"), std::string::npos) << message;
}

TEST_F(CreateInferredTest, ConvOutputSize) {
  // 1x3x8x8 with 4x3x3x3, stride 2, pad 1: (8 + 2 - 3) / 2 + 1 = 4.
  auto op = createInferred<ConvOp>(
      builder, builder.getUnknownLoc(),
      ValueRange{argument({1, 3, 8, 8}), argument({4, 3, 3, 3})},
      {builder.getNamedAttr("strides", builder.getDenseI64ArrayAttr({2, 2})),
       builder.getNamedAttr("dilations", builder.getDenseI64ArrayAttr({1, 1})),
       builder.getNamedAttr("pads", builder.getDenseI64ArrayAttr({1, 1, 1, 1})),
       builder.getNamedAttr("group", builder.getI64IntegerAttr(1))});
  ASSERT_TRUE(succeeded(op));
  EXPECT_EQ(llvm::cast<RankedTensorType>(op->getType()).getShape(),
            (ArrayRef<int64_t>{1, 4, 4, 4}));
}

TEST_F(CreateInferredTest, CeilModePoolDropsWindowInPadding) {
  // Size 5, kernel 2, stride 2, ceil mode: ceil(3 / 2) + 1 = 3 windows, and
  // the last starts at 4 < 5, so all three stay.
  auto pool = [&](int64_t size, int64_t pad) {
    return createInferred<MaxPoolOp>(
        builder, builder.getUnknownLoc(), argument({1, 1, size}),
        {builder.getNamedAttr("kernel_shape", builder.getDenseI64ArrayAttr({2})),
         builder.getNamedAttr("strides", builder.getDenseI64ArrayAttr({2})),
         builder.getNamedAttr("dilations", builder.getDenseI64ArrayAttr({1})),
         builder.getNamedAttr("pads", builder.getDenseI64ArrayAttr({pad, pad})),
         builder.getNamedAttr("ceil_mode", builder.getBoolAttr(true))});
  };
  auto a = pool(5, 0);
  ASSERT_TRUE(succeeded(a));
  EXPECT_EQ(llvm::cast<RankedTensorType>(a->getType()).getDimSize(2), 3);
  // Size 4, pad 1 each side: (4 + 2 - 2) / 2 = 2, ceil + 1 = 3 windows; the
  // third would start at 4 >= 4 + 1? No: 2 * 2 = 4 < 5, so it stays.
  auto b = pool(4, 1);
  ASSERT_TRUE(succeeded(b));
  EXPECT_EQ(llvm::cast<RankedTensorType>(b->getType()).getDimSize(2), 3);
  // Size 3, pad 1: numerator 3, ceil(3/2)+1 = 3, but window 3 starts at
  // 4 >= 3 + 1: it lies wholly in the end padding and is dropped.
  auto c = pool(3, 1);
  ASSERT_TRUE(succeeded(c));
  EXPECT_EQ(llvm::cast<RankedTensorType>(c->getType()).getDimSize(2), 2);
}

} // namespace
