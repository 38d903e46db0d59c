#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e3+t.tv_nsec/1e6;}
int main(int argc,char**argv){
  const char*path=argv[1]; int keys=3724; long stride=81920; long size=(long)keys*stride;
  int fd=open(path,O_RDWR|O_CREAT|O_TRUNC,0644); ftruncate(fd,size);
  double t0=now(); posix_fallocate(fd,0,size); double t1=now(); fsync(fd); double t2=now();
  printf("fallocate %.1f ms fsync %.1f ms\n",t1-t0,t2-t1);
  char buf[400]; memset(buf,1,400);
  // 7 runs of 200 masks at distinct mask offsets
  for(int pass=0;pass<3;pass++){
    double a=now();
    for(int r=0;r<7;r++){ long off=(long)(r*5700+pass*300)*2;
      for(int k=0;k<keys;k++) pwrite(fd,buf,400,k*stride+off);}
    double b=now(); printf("pass %d: %d pwrites %.1f ms (%.2f us each)\n",pass,7*keys,b-a,(b-a)*1000/(7*keys));
  }
  // same offsets again (pages cached)
  double a=now();
  for(int r=0;r<7;r++){ long off=(long)(r*5700)*2; for(int k=0;k<keys;k++) pwrite(fd,buf,400,k*stride+off);}
  printf("cached rewrite %.1f ms\n",now()-a);
  // mmap stores into new pages
  char*m=mmap(0,size,PROT_READ|PROT_WRITE,MAP_SHARED,fd,0);
  a=now();
  for(int r=0;r<7;r++){ long off=(long)(r*5700+1500)*2; for(int k=0;k<keys;k++) memcpy(m+k*stride+off,buf,400);}
  printf("mmap new pages %.1f ms\n",now()-a);
  munmap(m,size); m=mmap(0,size,PROT_READ|PROT_WRITE,MAP_SHARED,fd,0);
  a=now();
  for(int r=0;r<7;r++){ long off=(long)(r*5700)*2; for(int k=0;k<keys;k++) memcpy(m+k*stride+off,buf,400);}
  printf("mmap cached (fresh map) %.1f ms\n",now()-a);
  close(fd); unlink(path); return 0;}
