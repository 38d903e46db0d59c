SELECT mask_id FROM masks WHERE image_id BETWEEN 1005 AND 1071 AND CP(mask, object, 0.18, 1.00) > 3596
SELECT mask_id FROM masks WHERE image_id BETWEEN 2814 AND 2880 AND CP(mask, (95, 144, 194, 211), 0.70, 0.97) > 230
SELECT mask_id FROM masks WHERE image_id BETWEEN 12931 AND 12997 AND CP(mask, object, 0.64, 0.92) > 1380
SELECT mask_id FROM masks WHERE image_id BETWEEN 10586 AND 10652 AND CP(mask, object, 0.02, 1.00) > 4082
SELECT mask_id FROM masks WHERE image_id BETWEEN 2278 AND 2344 AND CP(mask, (64, 111, 99, 196), 0.50, 0.69) > 296
SELECT mask_id FROM masks WHERE image_id BETWEEN 1675 AND 1741 AND CP(mask, object, 0.01, 0.78) > 1458
SELECT mask_id FROM masks WHERE image_id BETWEEN 2546 AND 2612 AND CP(mask, object, 0.89, 0.94) > 2480
SELECT mask_id FROM masks WHERE image_id BETWEEN 2077 AND 2143 AND CP(mask, object, 0.48, 0.82) > 1659
SELECT mask_id FROM masks WHERE image_id BETWEEN 8442 AND 8508 AND CP(mask, (171, 192, 215, 209), 0.58, 0.90) > 338
SELECT mask_id FROM masks WHERE image_id BETWEEN 4824 AND 4890 AND CP(mask, object, 0.09, 1.00) > 1600
SELECT mask_id FROM masks WHERE image_id BETWEEN 3819 AND 3885 AND CP(mask, object, 0.47, 0.55) > 2226
SELECT mask_id FROM masks WHERE image_id BETWEEN 469 AND 535 AND CP(mask, object, 0.23, 1.00) > 2238
SELECT mask_id FROM masks WHERE image_id BETWEEN 9246 AND 9312 AND CP(mask, object, 0.30, 0.41) > 2110
SELECT mask_id FROM masks WHERE image_id BETWEEN 1340 AND 1406 AND CP(mask, object, 0.71, 0.97) > 5480
SELECT mask_id FROM masks WHERE image_id BETWEEN 2345 AND 2411 AND CP(mask, object, 0.84, 0.97) > 4256
SELECT mask_id FROM masks WHERE image_id BETWEEN 9648 AND 9714 AND CP(mask, (135, 147, 166, 192), 0.05, 1.00) > 551
SELECT mask_id FROM masks WHERE image_id BETWEEN 12328 AND 12394 AND CP(mask, object, 0.06, 0.29) > 4761
SELECT mask_id FROM masks WHERE image_id BETWEEN 3149 AND 3215 AND CP(mask, (16, 85, 103, 195), 0.56, 0.86) > 4446
SELECT mask_id FROM masks WHERE image_id BETWEEN 5159 AND 5225 AND CP(mask, (105, 184, 180, 200), 0.82, 0.89) > 326
SELECT mask_id FROM masks WHERE image_id BETWEEN 13065 AND 13131 AND CP(mask, object, 0.80, 1.00) > 5871
SELECT mask_id FROM masks WHERE image_id BETWEEN 7102 AND 7168 AND CP(mask, object, 0.81, 1.00) > 3156
SELECT mask_id FROM masks WHERE image_id BETWEEN 3350 AND 3416 AND CP(mask, (38, 71, 58, 154), 0.35, 1.00) > 34
SELECT mask_id FROM masks WHERE image_id BETWEEN 12998 AND 13064 AND CP(mask, object, 0.27, 0.57) > 3631
SELECT mask_id FROM masks WHERE image_id BETWEEN 9849 AND 9915 AND CP(mask, object, 0.83, 0.91) > 1272
SELECT mask_id FROM masks WHERE image_id BETWEEN 5494 AND 5560 AND CP(mask, object, 0.66, 0.75) > 540
SELECT mask_id FROM masks WHERE image_id BETWEEN 4221 AND 4287 AND CP(mask, object, 0.74, 0.89) > 4002
SELECT mask_id FROM masks WHERE image_id BETWEEN 10184 AND 10250 AND CP(mask, object, 0.88, 0.93) > 2947
SELECT mask_id FROM masks WHERE image_id BETWEEN 9313 AND 9379 AND CP(mask, (45, 11, 87, 117), 0.05, 1.00) > 830
SELECT mask_id FROM masks WHERE image_id BETWEEN 12194 AND 12260 AND CP(mask, object, 0.50, 0.59) > 4048
SELECT mask_id FROM masks WHERE image_id BETWEEN 1809 AND 1875 AND CP(mask, object, 0.67, 0.81) > 3890
SELECT mask_id FROM masks WHERE image_id BETWEEN 10720 AND 10786 AND CP(mask, object, 0.83, 1.00) > 2566
SELECT mask_id FROM masks WHERE image_id BETWEEN 12596 AND 12662 AND CP(mask, (121, 34, 201, 80), 0.76, 0.99) > 1709
SELECT mask_id FROM masks WHERE image_id BETWEEN 11926 AND 11992 AND CP(mask, object, 0.46, 0.84) > 3616
SELECT mask_id FROM masks WHERE image_id BETWEEN 1608 AND 1674 AND CP(mask, (148, 112, 203, 202), 0.53, 0.84) > 858
SELECT mask_id FROM masks WHERE image_id BETWEEN 8308 AND 8374 AND CP(mask, object, 0.19, 0.91) > 1425
SELECT mask_id FROM masks WHERE image_id BETWEEN 11725 AND 11791 AND CP(mask, (27, 143, 114, 219), 0.62, 0.76) > 469
SELECT mask_id FROM masks WHERE image_id BETWEEN 11055 AND 11121 AND CP(mask, object, 0.26, 0.51) > 5695
SELECT mask_id FROM masks WHERE image_id BETWEEN 871 AND 937 AND CP(mask, (67, 114, 220, 130), 0.09, 1.00) > 136
SELECT mask_id FROM masks WHERE image_id BETWEEN 11859 AND 11925 AND CP(mask, (119, 201, 148, 218), 0.88, 1.00) > 183
SELECT mask_id FROM masks WHERE image_id BETWEEN 12395 AND 12461 AND CP(mask, object, 0.70, 0.89) > 4031
SELECT mask_id FROM masks WHERE image_id BETWEEN 9916 AND 9982 AND CP(mask, (11, 199, 178, 221), 0.38, 0.75) > 588
SELECT mask_id FROM masks WHERE image_id BETWEEN 11323 AND 11389 AND CP(mask, (174, 124, 218, 218), 0.31, 0.38) > 1570
SELECT mask_id FROM masks WHERE image_id BETWEEN 3283 AND 3349 AND CP(mask, (67, 1, 195, 160), 0.59, 1.00) > 5044
SELECT mask_id FROM masks WHERE image_id BETWEEN 4154 AND 4220 AND CP(mask, object, 0.32, 0.41) > 686
SELECT mask_id FROM masks WHERE image_id BETWEEN 2412 AND 2478 AND CP(mask, object, 0.79, 0.89) > 2068
SELECT mask_id FROM masks WHERE image_id BETWEEN 3216 AND 3282 AND CP(mask, (66, 89, 87, 199), 0.54, 0.66) > 800
SELECT mask_id FROM masks WHERE image_id BETWEEN 3752 AND 3818 AND CP(mask, (153, 117, 216, 208), 0.13, 1.00) > 437
SELECT mask_id FROM masks WHERE image_id BETWEEN 6633 AND 6699 AND CP(mask, (24, 55, 79, 152), 0.74, 0.88) > 1501
SELECT mask_id FROM masks WHERE image_id BETWEEN 1407 AND 1473 AND CP(mask, object, 0.75, 1.00) > 3549
SELECT mask_id FROM masks WHERE image_id BETWEEN 7303 AND 7369 AND CP(mask, object, 0.02, 0.55) > 5288
SELECT mask_id FROM masks WHERE image_id BETWEEN 3551 AND 3617 AND CP(mask, object, 0.40, 0.66) > 5249
SELECT mask_id FROM masks WHERE image_id BETWEEN 335 AND 401 AND CP(mask, object, 0.36, 0.47) > 5479
SELECT mask_id FROM masks WHERE image_id BETWEEN 4690 AND 4756 AND CP(mask, object, 0.50, 1.00) > 3149
SELECT mask_id FROM masks WHERE image_id BETWEEN 7035 AND 7101 AND CP(mask, object, 0.64, 0.75) > 5333
SELECT mask_id FROM masks WHERE image_id BETWEEN 5561 AND 5627 AND CP(mask, (115, 200, 223, 217), 0.77, 1.00) > 649
SELECT mask_id FROM masks WHERE image_id BETWEEN 4020 AND 4086 AND CP(mask, object, 0.40, 0.57) > 517
SELECT mask_id FROM masks WHERE image_id BETWEEN 12261 AND 12327 AND CP(mask, (158, 22, 185, 204), 0.55, 1.00) > 1879
SELECT mask_id FROM masks WHERE image_id BETWEEN 8107 AND 8173 AND CP(mask, object, 0.80, 1.00) > 3116
SELECT mask_id FROM masks WHERE image_id BETWEEN 9380 AND 9446 AND CP(mask, object, 0.80, 0.97) > 2668
SELECT mask_id FROM masks WHERE image_id BETWEEN 6901 AND 6967 AND CP(mask, object, 0.80, 1.00) > 1021
SELECT mask_id FROM masks WHERE image_id BETWEEN 6030 AND 6096 AND CP(mask, (77, 175, 221, 208), 0.38, 1.00) > 2177
SELECT mask_id FROM masks WHERE image_id BETWEEN 9045 AND 9111 AND CP(mask, (203, 91, 220, 201), 0.38, 0.56) > 784
SELECT mask_id FROM masks WHERE image_id BETWEEN 1072 AND 1138 AND CP(mask, (155, 127, 192, 215), 0.84, 1.00) > 286
SELECT mask_id FROM masks WHERE image_id BETWEEN 8576 AND 8642 AND CP(mask, object, 0.59, 0.93) > 3629
SELECT mask_id FROM masks WHERE image_id BETWEEN 6566 AND 6632 AND CP(mask, object, 0.80, 0.86) > 2572
SELECT mask_id FROM masks WHERE image_id BETWEEN 6097 AND 6163 AND CP(mask, (34, 116, 204, 185), 0.38, 0.70) > 2676
SELECT mask_id FROM masks WHERE image_id BETWEEN 804 AND 870 AND CP(mask, (199, 159, 220, 187), 0.86, 0.99) > 287
SELECT mask_id FROM masks WHERE image_id BETWEEN 10653 AND 10719 AND CP(mask, (172, 126, 204, 187), 0.42, 0.78) > 938
SELECT mask_id FROM masks WHERE image_id BETWEEN 8911 AND 8977 AND CP(mask, (0, 3, 62, 159), 0.22, 0.86) > 2614
SELECT mask_id FROM masks WHERE image_id BETWEEN 11591 AND 11657 AND CP(mask, (137, 172, 193, 219), 0.68, 1.00) > 407
SELECT mask_id FROM masks WHERE image_id BETWEEN 7370 AND 7436 AND CP(mask, (7, 26, 93, 176), 0.86, 1.00) > 1051
SELECT mask_id FROM masks WHERE image_id BETWEEN 5829 AND 5895 AND CP(mask, (10, 116, 209, 157), 0.81, 0.96) > 3202
SELECT mask_id FROM masks WHERE image_id BETWEEN 7571 AND 7637 AND CP(mask, (101, 184, 146, 203), 0.74, 1.00) > 301
SELECT mask_id FROM masks WHERE image_id BETWEEN 9447 AND 9513 AND CP(mask, object, 0.69, 0.84) > 2423
SELECT mask_id FROM masks WHERE image_id BETWEEN 3015 AND 3081 AND CP(mask, (169, 142, 193, 207), 0.26, 1.00) > 403
SELECT mask_id FROM masks WHERE image_id BETWEEN 12797 AND 12863 AND CP(mask, (205, 132, 224, 221), 0.64, 0.71) > 174
SELECT mask_id FROM masks WHERE image_id BETWEEN 11993 AND 12059 AND CP(mask, (31, 23, 159, 104), 0.69, 0.92) > 3330
SELECT mask_id FROM masks WHERE image_id BETWEEN 8040 AND 8106 AND CP(mask, (45, 92, 208, 207), 0.51, 1.00) > 3609
SELECT mask_id FROM masks WHERE image_id BETWEEN 2211 AND 2277 AND CP(mask, object, 0.29, 0.53) > 1007
SELECT mask_id FROM masks WHERE image_id BETWEEN 8174 AND 8240 AND CP(mask, (179, 83, 198, 111), 0.90, 0.95) > 17
SELECT mask_id FROM masks WHERE image_id BETWEEN 10787 AND 10853 AND CP(mask, (181, 157, 219, 218), 0.41, 1.00) > 297
SELECT mask_id FROM masks WHERE image_id BETWEEN 7973 AND 8039 AND CP(mask, object, 0.40, 0.65) > 2998
SELECT mask_id FROM masks WHERE image_id BETWEEN 5896 AND 5962 AND CP(mask, (180, 24, 212, 215), 0.11, 1.00) > 2769
SELECT mask_id FROM masks WHERE image_id BETWEEN 5628 AND 5694 AND CP(mask, object, 0.33, 0.91) > 5743
SELECT mask_id FROM masks WHERE image_id BETWEEN 7638 AND 7704 AND CP(mask, object, 0.87, 0.94) > 2050
SELECT mask_id FROM masks WHERE image_id BETWEEN 10318 AND 10384 AND CP(mask, object, 0.67, 1.00) > 1572
SELECT mask_id FROM masks WHERE image_id BETWEEN 7437 AND 7503 AND CP(mask, object, 0.42, 1.00) > 6015
SELECT mask_id FROM masks WHERE image_id BETWEEN 2747 AND 2813 AND CP(mask, object, 0.87, 0.93) > 5975
SELECT mask_id FROM masks WHERE image_id BETWEEN 5695 AND 5761 AND CP(mask, object, 0.56, 0.96) > 385
SELECT mask_id FROM masks WHERE image_id BETWEEN 7906 AND 7972 AND CP(mask, object, 0.22, 1.00) > 3673
SELECT mask_id FROM masks WHERE image_id BETWEEN 6432 AND 6498 AND CP(mask, object, 0.60, 0.83) > 2314
SELECT mask_id FROM masks WHERE image_id BETWEEN 1474 AND 1540 AND CP(mask, object, 0.23, 1.00) > 5127
SELECT mask_id FROM masks WHERE image_id BETWEEN 1943 AND 2009 AND CP(mask, object, 0.00, 1.00) > 3462
SELECT mask_id FROM masks WHERE image_id BETWEEN 7772 AND 7838 AND CP(mask, object, 0.48, 0.79) > 2065
SELECT mask_id FROM masks WHERE image_id BETWEEN 2144 AND 2210 AND CP(mask, (103, 53, 197, 125), 0.41, 1.00) > 3309
SELECT mask_id FROM masks WHERE image_id BETWEEN 4355 AND 4421 AND CP(mask, object, 0.47, 0.62) > 4904
SELECT mask_id FROM masks WHERE image_id BETWEEN 8643 AND 8709 AND CP(mask, (78, 92, 148, 135), 0.09, 0.65) > 427
SELECT mask_id FROM masks WHERE image_id BETWEEN 5360 AND 5426 AND CP(mask, (53, 79, 124, 169), 0.39, 1.00) > 150
SELECT mask_id FROM masks WHERE image_id BETWEEN 4489 AND 4555 AND CP(mask, (133, 47, 199, 202), 0.46, 0.95) > 1610
SELECT mask_id FROM masks WHERE image_id BETWEEN 10452 AND 10518 AND CP(mask, (188, 194, 215, 210), 0.16, 0.68) > 124
SELECT mask_id FROM masks WHERE image_id BETWEEN 12663 AND 12729 AND CP(mask, (203, 76, 224, 162), 0.04, 0.98) > 677
SELECT mask_id FROM masks WHERE image_id BETWEEN 4422 AND 4488 AND CP(mask, object, 0.09, 0.89) > 4532
SELECT mask_id FROM masks WHERE image_id BETWEEN 3886 AND 3952 AND CP(mask, object, 0.12, 1.00) > 1473
SELECT mask_id FROM masks WHERE image_id BETWEEN 2680 AND 2746 AND CP(mask, object, 0.78, 0.87) > 4767
SELECT mask_id FROM masks WHERE image_id BETWEEN 2613 AND 2679 AND CP(mask, (182, 51, 223, 75), 0.83, 0.99) > 88
SELECT mask_id FROM masks WHERE image_id BETWEEN 4623 AND 4689 AND CP(mask, object, 0.51, 1.00) > 5524
SELECT mask_id FROM masks WHERE image_id BETWEEN 2948 AND 3014 AND CP(mask, object, 0.75, 1.00) > 558
SELECT mask_id FROM masks WHERE image_id BETWEEN 9581 AND 9647 AND CP(mask, object, 0.62, 0.91) > 4207
SELECT mask_id FROM masks WHERE image_id BETWEEN 6834 AND 6900 AND CP(mask, (80, 78, 154, 218), 0.72, 1.00) > 4604
SELECT mask_id FROM masks WHERE image_id BETWEEN 536 AND 602 AND CP(mask, object, 0.38, 0.55) > 3769
SELECT mask_id FROM masks WHERE image_id BETWEEN 3953 AND 4019 AND CP(mask, (194, 79, 218, 122), 0.66, 0.84) > 173
SELECT mask_id FROM masks WHERE image_id BETWEEN 2479 AND 2545 AND CP(mask, (174, 185, 224, 224), 0.51, 0.97) > 155
SELECT mask_id FROM masks WHERE image_id BETWEEN 603 AND 669 AND CP(mask, (4, 72, 169, 224), 0.06, 0.99) > 1183
SELECT mask_id FROM masks WHERE image_id BETWEEN 10050 AND 10116 AND CP(mask, (193, 18, 218, 104), 0.12, 0.42) > 712
SELECT mask_id FROM masks WHERE image_id BETWEEN 67 AND 133 AND CP(mask, (144, 89, 181, 150), 0.21, 0.33) > 74
SELECT mask_id FROM masks WHERE image_id BETWEEN 12060 AND 12126 AND CP(mask, (150, 105, 177, 134), 0.57, 1.00) > 222
SELECT mask_id FROM masks WHERE image_id BETWEEN 13333 AND 13333 AND CP(mask, object, 0.57, 0.87) > 726
SELECT mask_id FROM masks WHERE image_id BETWEEN 3685 AND 3751 AND CP(mask, (40, 148, 151, 175), 0.20, 0.51) > 669
SELECT mask_id FROM masks WHERE image_id BETWEEN 1876 AND 1942 AND CP(mask, (3, 126, 63, 148), 0.37, 0.63) > 478
SELECT mask_id FROM masks WHERE image_id BETWEEN 1273 AND 1339 AND CP(mask, object, 0.76, 0.91) > 4856
SELECT mask_id FROM masks WHERE image_id BETWEEN 4556 AND 4622 AND CP(mask, (148, 175, 195, 201), 0.35, 0.95) > 124
SELECT mask_id FROM masks WHERE image_id BETWEEN 6298 AND 6364 AND CP(mask, (13, 204, 111, 223), 0.06, 0.87) > 767
SELECT mask_id FROM masks WHERE image_id BETWEEN 1206 AND 1272 AND CP(mask, object, 0.53, 0.87) > 5231
SELECT mask_id FROM masks WHERE image_id BETWEEN 134 AND 200 AND CP(mask, (52, 99, 218, 154), 0.38, 0.90) > 3938
SELECT mask_id FROM masks WHERE image_id BETWEEN 12462 AND 12528 AND CP(mask, (45, 54, 102, 151), 0.45, 0.73) > 2751
SELECT mask_id FROM masks WHERE image_id BETWEEN 1541 AND 1607 AND CP(mask, (115, 154, 161, 179), 0.84, 0.97) > 241
SELECT mask_id FROM masks WHERE image_id BETWEEN 3417 AND 3483 AND CP(mask, object, 0.49, 0.58) > 1153
SELECT mask_id FROM masks WHERE image_id BETWEEN 6700 AND 6766 AND CP(mask, (161, 91, 201, 143), 0.39, 0.80) > 950
SELECT mask_id FROM masks WHERE image_id BETWEEN 7169 AND 7235 AND CP(mask, (63, 182, 165, 207), 0.06, 1.00) > 134
SELECT mask_id FROM masks WHERE image_id BETWEEN 4288 AND 4354 AND CP(mask, object, 0.63, 0.80) > 1084
SELECT mask_id FROM masks WHERE image_id BETWEEN 3484 AND 3550 AND CP(mask, object, 0.61, 0.78) > 4974
SELECT mask_id FROM masks WHERE image_id BETWEEN 670 AND 736 AND CP(mask, object, 0.54, 0.73) > 3083
SELECT mask_id FROM masks WHERE image_id BETWEEN 11122 AND 11188 AND CP(mask, (24, 32, 46, 217), 0.02, 0.65) > 219
SELECT mask_id FROM masks WHERE image_id BETWEEN 11256 AND 11322 AND CP(mask, (148, 117, 175, 157), 0.34, 0.78) > 243
SELECT mask_id FROM masks WHERE image_id BETWEEN 737 AND 803 AND CP(mask, (8, 48, 24, 109), 0.55, 0.61) > 426
SELECT mask_id FROM masks WHERE image_id BETWEEN 2010 AND 2076 AND CP(mask, object, 0.49, 1.00) > 5231
SELECT mask_id FROM masks WHERE image_id BETWEEN 12529 AND 12595 AND CP(mask, object, 0.13, 0.34) > 3841
SELECT mask_id FROM masks WHERE image_id BETWEEN 268 AND 334 AND CP(mask, object, 0.54, 0.87) > 2810
SELECT mask_id FROM masks WHERE image_id BETWEEN 938 AND 1004 AND CP(mask, (176, 143, 204, 220), 0.70, 1.00) > 885
SELECT mask_id FROM masks WHERE image_id BETWEEN 9715 AND 9781 AND CP(mask, object, 0.49, 1.00) > 1376
SELECT mask_id FROM masks WHERE image_id BETWEEN 1742 AND 1808 AND CP(mask, object, 0.85, 1.00) > 4987
SELECT mask_id FROM masks WHERE image_id BETWEEN 2881 AND 2947 AND CP(mask, (3, 175, 119, 211), 0.39, 1.00) > 376
SELECT mask_id FROM masks WHERE image_id BETWEEN 10117 AND 10183 AND CP(mask, object, 0.86, 0.98) > 2929
SELECT mask_id FROM masks WHERE image_id BETWEEN 11189 AND 11255 AND CP(mask, object, 0.37, 0.63) > 416
SELECT mask_id FROM masks WHERE image_id BETWEEN 9782 AND 9848 AND CP(mask, object, 0.69, 0.83) > 3347
SELECT mask_id FROM masks WHERE image_id BETWEEN 8375 AND 8441 AND CP(mask, (144, 205, 222, 221), 0.29, 1.00) > 619
SELECT mask_id FROM masks WHERE image_id BETWEEN 0 AND 66 AND CP(mask, (21, 127, 193, 220), 0.14, 1.00) > 4545
SELECT mask_id FROM masks WHERE image_id BETWEEN 5092 AND 5158 AND CP(mask, object, 0.67, 0.78) > 744
SELECT mask_id FROM masks WHERE image_id BETWEEN 4958 AND 5024 AND CP(mask, object, 0.39, 1.00) > 3348
SELECT mask_id FROM masks WHERE image_id BETWEEN 7504 AND 7570 AND CP(mask, (5, 19, 60, 79), 0.42, 0.85) > 417
SELECT mask_id FROM masks WHERE image_id BETWEEN 8844 AND 8910 AND CP(mask, (92, 64, 193, 111), 0.21, 0.84) > 1982
SELECT mask_id FROM masks WHERE image_id BETWEEN 10988 AND 11054 AND CP(mask, object, 0.27, 1.00) > 4912
SELECT mask_id FROM masks WHERE image_id BETWEEN 12730 AND 12796 AND CP(mask, object, 0.25, 0.77) > 3436
SELECT mask_id FROM masks WHERE image_id BETWEEN 8241 AND 8307 AND CP(mask, (90, 181, 140, 206), 0.33, 0.43) > 546
SELECT mask_id FROM masks WHERE image_id BETWEEN 6968 AND 7034 AND CP(mask, object, 0.34, 0.73) > 1457
SELECT mask_id FROM masks WHERE image_id BETWEEN 5427 AND 5493 AND CP(mask, (201, 117, 217, 199), 0.49, 1.00) > 120
SELECT mask_id FROM masks WHERE image_id BETWEEN 7236 AND 7302 AND CP(mask, (131, 123, 163, 207), 0.11, 0.27) > 1148
SELECT mask_id FROM masks WHERE image_id BETWEEN 4087 AND 4153 AND CP(mask, object, 0.34, 0.97) > 684
SELECT mask_id FROM masks WHERE image_id BETWEEN 13266 AND 13332 AND CP(mask, object, 0.42, 0.87) > 2207
SELECT mask_id FROM masks WHERE image_id BETWEEN 201 AND 267 AND CP(mask, object, 0.24, 0.95) > 2456
SELECT mask_id FROM masks WHERE image_id BETWEEN 9179 AND 9245 AND CP(mask, object, 0.55, 1.00) > 810
SELECT mask_id FROM masks WHERE image_id BETWEEN 12127 AND 12193 AND CP(mask, (4, 148, 220, 174), 0.29, 0.91) > 1893
SELECT mask_id FROM masks WHERE image_id BETWEEN 5293 AND 5359 AND CP(mask, (194, 68, 221, 185), 0.75, 0.87) > 771
SELECT mask_id FROM masks WHERE image_id BETWEEN 5762 AND 5828 AND CP(mask, (30, 181, 98, 206), 0.34, 0.51) > 748
SELECT mask_id FROM masks WHERE image_id BETWEEN 7705 AND 7771 AND CP(mask, (199, 102, 216, 149), 0.36, 1.00) > 98
SELECT mask_id FROM masks WHERE image_id BETWEEN 10519 AND 10585 AND CP(mask, (188, 196, 205, 212), 0.07, 1.00) > 16
SELECT mask_id FROM masks WHERE image_id BETWEEN 6231 AND 6297 AND CP(mask, (164, 91, 208, 128), 0.09, 0.67) > 557
SELECT mask_id FROM masks WHERE image_id BETWEEN 8710 AND 8776 AND CP(mask, (179, 90, 198, 167), 0.11, 0.50) > 386
SELECT mask_id FROM masks WHERE image_id BETWEEN 7839 AND 7905 AND CP(mask, (78, 143, 198, 210), 0.09, 0.32) > 2534
SELECT mask_id FROM masks WHERE image_id BETWEEN 11457 AND 11523 AND CP(mask, (93, 26, 130, 65), 0.58, 0.64) > 503
SELECT mask_id FROM masks WHERE image_id BETWEEN 8777 AND 8843 AND CP(mask, object, 0.85, 1.00) > 4696
SELECT mask_id FROM masks WHERE image_id BETWEEN 12864 AND 12930 AND CP(mask, (137, 59, 194, 182), 0.68, 1.00) > 346
SELECT mask_id FROM masks WHERE image_id BETWEEN 9112 AND 9178 AND CP(mask, object, 0.08, 0.35) > 4994
SELECT mask_id FROM masks WHERE image_id BETWEEN 4891 AND 4957 AND CP(mask, (70, 148, 132, 164), 0.54, 0.78) > 284
SELECT mask_id FROM masks WHERE image_id BETWEEN 10854 AND 10920 AND CP(mask, object, 0.53, 1.00) > 6199
SELECT mask_id FROM masks WHERE image_id BETWEEN 11524 AND 11590 AND CP(mask, (130, 20, 189, 91), 0.32, 1.00) > 927
SELECT mask_id FROM masks WHERE image_id BETWEEN 1139 AND 1205 AND CP(mask, (155, 60, 221, 178), 0.49, 0.54) > 351
SELECT mask_id FROM masks WHERE image_id BETWEEN 3618 AND 3684 AND CP(mask, (155, 165, 180, 197), 0.01, 1.00) > 229
SELECT mask_id FROM masks WHERE image_id BETWEEN 6499 AND 6565 AND CP(mask, (126, 67, 149, 94), 0.10, 0.71) > 179
SELECT mask_id FROM masks WHERE image_id BETWEEN 6164 AND 6230 AND CP(mask, (186, 35, 205, 126), 0.66, 0.97) > 527
SELECT mask_id FROM masks WHERE image_id BETWEEN 8509 AND 8575 AND CP(mask, (86, 33, 145, 83), 0.52, 1.00) > 634
SELECT mask_id FROM masks WHERE image_id BETWEEN 6767 AND 6833 AND CP(mask, (24, 57, 220, 124), 0.03, 1.00) > 1908
SELECT mask_id FROM masks WHERE image_id BETWEEN 5025 AND 5091 AND CP(mask, object, 0.70, 1.00) > 2010
SELECT mask_id FROM masks WHERE image_id BETWEEN 5226 AND 5292 AND CP(mask, object, 0.01, 0.99) > 5886
SELECT mask_id FROM masks WHERE image_id BETWEEN 8978 AND 9044 AND CP(mask, (122, 175, 166, 219), 0.80, 0.88) > 855
SELECT mask_id FROM masks WHERE image_id BETWEEN 10385 AND 10451 AND CP(mask, (71, 41, 216, 64), 0.24, 0.55) > 635
SELECT mask_id FROM masks WHERE image_id BETWEEN 13132 AND 13198 AND CP(mask, object, 0.71, 1.00) > 3890
SELECT mask_id FROM masks WHERE image_id BETWEEN 6365 AND 6431 AND CP(mask, object, 0.65, 0.81) > 5553
SELECT mask_id FROM masks WHERE image_id BETWEEN 11390 AND 11456 AND CP(mask, object, 0.19, 0.25) > 291
SELECT mask_id FROM masks WHERE image_id BETWEEN 9514 AND 9580 AND CP(mask, object, 0.70, 0.97) > 2286
SELECT mask_id FROM masks WHERE image_id BETWEEN 10921 AND 10987 AND CP(mask, object, 0.08, 0.39) > 4998
SELECT mask_id FROM masks WHERE image_id BETWEEN 10251 AND 10317 AND CP(mask, object, 0.39, 1.00) > 3239
SELECT mask_id FROM masks WHERE image_id BETWEEN 13199 AND 13265 AND CP(mask, (198, 58, 215, 88), 0.68, 0.93) > 210
SELECT mask_id FROM masks WHERE image_id BETWEEN 5963 AND 6029 AND CP(mask, (122, 31, 154, 64), 0.59, 0.64) > 280
SELECT mask_id FROM masks WHERE image_id BETWEEN 9983 AND 10049 AND CP(mask, object, 0.71, 1.00) > 639
SELECT mask_id FROM masks WHERE image_id BETWEEN 11658 AND 11724 AND CP(mask, (204, 63, 220, 102), 0.89, 0.95) > 55
SELECT mask_id FROM masks WHERE image_id BETWEEN 11792 AND 11858 AND CP(mask, (1, 203, 52, 224), 0.78, 0.92) > 220
SELECT mask_id FROM masks WHERE image_id BETWEEN 4757 AND 4823 AND CP(mask, object, 0.59, 0.86) > 3241
SELECT mask_id FROM masks WHERE image_id BETWEEN 3082 AND 3148 AND CP(mask, object, 0.80, 1.00) > 1268
SELECT mask_id FROM masks WHERE image_id BETWEEN 402 AND 468 AND CP(mask, object, 0.01, 1.00) > 460
